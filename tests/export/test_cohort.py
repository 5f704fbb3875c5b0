"""Register cohort delivery: encrypted CPR file, manifest, variable description, determinism, no CPR leaks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pyrage
import pytest

from tests.export.conftest import FREE_TEXT_ID, Published, clear_cpr_hits, exported_bytes
from udbredelse.export import export_cohort, export_indicators, export_management_report, export_quality, verify_audit
from udbredelse.export.audit import audit_path, read_audit
from udbredelse.export.cohort import (
    DELIVERY_COLUMNS,
    cohort_recipient,
    demo_identity,
    demo_recipient,
    verify_cohort,
)
from udbredelse.pseudonym import pseudonymise
from udbredelse.settings import Settings, SettingsError, get_settings


def _decrypt(path: Path, identity: str | None = None) -> bytes:
    return pyrage.decrypt(path.read_bytes(), [pyrage.x25519.Identity.from_str(identity or demo_identity())])


def _manifest(out_dir: Path) -> dict:
    return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))


def _data_file(out_dir: Path) -> Path:
    (path,) = out_dir.glob("kohorte_*.csv.age")
    return path


def test_delivery_matches_its_manifest(pub: Published, out: Path) -> None:
    result = export_cohort(pub.settings, out / "kohorte")
    delivery = out / "kohorte"
    manifest = _manifest(delivery)
    assert result["verified"] is True and verify_cohort(delivery)
    assert verify_cohort(delivery, identity=demo_identity())
    assert sorted(p.name for p in delivery.iterdir()) == sorted(
        ["kohorte_2026-03-31.csv.age", "manifest.json", "variabelbeskrivelse.csv", "variabelbeskrivelse.md"])
    # every listed file: hash of the bytes on disk (and of the plaintext for the encrypted one) and row count
    for entry in manifest["files"]:
        data = (delivery / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]  # every file: the bytes on disk
        if entry["encrypted"]:
            assert entry["sha256_ciphertext"] == entry["sha256"]
            plain = _decrypt(delivery / entry["name"])
            assert hashlib.sha256(plain).hexdigest() == entry["sha256_plaintext"]
            assert len(list(csv.reader(io.StringIO(plain.decode(), newline="")))) - 1 == entry["rows"] == 5
    assert manifest["period"] == "2026-03-31"
    assert manifest["pseudonym_key_id"] == pub.settings.pseudonym_key_id
    assert manifest["recipient"] == demo_recipient() and manifest["demo_key"] is True
    assert manifest["recipient_fingerprint"].startswith("sha256:")
    assert manifest["created_at"] and manifest["created_by"]
    assert manifest["interventions"] == ["CTI", "MOVE", "SOS"]  # the catalog's CPR-collecting interventions


def test_encrypted_file_holds_the_current_snapshot_with_cpr(pub: Published, out: Path) -> None:
    export_cohort(pub.settings, out)
    plain = _decrypt(_data_file(out))
    assert plain.endswith(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(plain.decode("utf-8"), newline="")))
    assert tuple(rows[0].keys()) == DELIVERY_COLUMNS
    # current snapshots only: 3 MOVE courses in 101's latest accepted file + 2 CTI in 147's (partial) file;
    # not the older MOVE snapshot, not the rejected later file, not EFEI (no CPR in the catalog)
    assert sorted((r["indsats"], r["kommunekode"]) for r in rows) == [
        ("CTI", "147"), ("CTI", "147"), ("MOVE", "101"), ("MOVE", "101"), ("MOVE", "101")]
    assert {r["rapporteringsdato"] for r in rows} == {"2026-03-31"}
    assert sorted({r["cpr"] for r in rows}) == sorted(pub.cprs[w] for w in "abcd")
    assert pub.cprs["e"] not in plain.decode()
    key = pub.settings.pseudonym_key_bytes
    for row in rows:
        assert row["pseudonym"] == pseudonymise(row["cpr"], key)  # CPR and pseudonym belong together
        assert row["pseudonym_noegle_id"] == pub.settings.pseudonym_key_id
        assert len(row["forloebsnoegle"]) == 16
    assert len({r["forloebsnoegle"] for r in rows}) == 5
    # codes, not free text: the municipality's free-text course id is not delivered
    assert FREE_TEXT_ID.encode() not in plain and b"HYPERLINK" not in plain
    interrupted = next(r for r in rows if r["cpr"] == pub.cprs["b"])
    assert (interrupted["status"], interrupted["afslutningsaarsag"], interrupted["slutdato"]) == (
        "afbrudt", "udeblevet", "2026-03-01")
    referred = next(r for r in rows if r["status"] == "henvist")
    assert (referred["startdato"], referred["henvisningsdato"]) == ("", "2026-03-25")
    # deterministic order
    keys = [(r["indsats"], r["kommunekode"], r["pseudonym"], r["startdato"] or "~", r["forloebsnoegle"]) for r in rows]
    assert keys == sorted(keys)


def test_no_clear_cpr_outside_the_encrypted_file(pub: Published, out: Path) -> None:
    export_cohort(pub.settings, out / "kohorte")
    export_indicators(pub.settings, out / "ind_analyst.csv", audience="analyst")
    export_indicators(pub.settings, out / "ind_public.csv", audience="public")
    export_quality(pub.settings, out / "dq.csv")
    export_management_report(pub.settings, out / "rapport.xlsx", kommune="101")
    scanned = 0
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.name.endswith(".age"):
            assert clear_cpr_hits(exported_bytes(path), pub.cprs) == [], path.name
            scanned += 1
    assert scanned == 7  # manifest, 2 descriptions, 2 indicator CSVs, quality CSV, XLSX
    assert clear_cpr_hits(audit_path(pub.settings).read_bytes(), pub.cprs) == []
    # the encrypted file really is encrypted: no CPR in its bytes either
    assert clear_cpr_hits(_data_file(out / "kohorte").read_bytes(), pub.cprs) == []


def test_variable_description_uses_catalog_codes(pub: Published, out: Path) -> None:
    export_cohort(pub.settings, out)
    rows = list(csv.DictReader(io.StringIO((out / "variabelbeskrivelse.csv").read_text(encoding="utf-8"), newline="")))
    assert [v for v in dict.fromkeys(r["variabel"] for r in rows)] == list(DELIVERY_COLUMNS)
    by_var: dict[str, list[dict]] = {}
    for row in rows:
        by_var.setdefault(row["variabel"], []).append(row)
    assert {r["kode"] for r in by_var["indsats"]} == {"CTI", "MOVE", "SOS"}
    assert ("udeblevet", "Mistet kontakt / udeblevet", "alle") in {
        (r["kode"], r["kodetekst"], r["gaelder_indsats"]) for r in by_var["afslutningsaarsag"]}
    assert ("tilbage_i_hjemloeshed", "CTI") in {(r["kode"], r["gaelder_indsats"]) for r in by_var["afslutningsaarsag"]}
    assert len(by_var["kommunekode"]) == 98
    assert {r["kode"] for r in by_var["status"]} == {"henvist", "ikke_startet", "i_gang", "gennemfoert", "afbrudt"}
    md = (out / "variabelbeskrivelse.md").read_text(encoding="utf-8")
    assert "# Variabelbeskrivelse" in md and "`forloebsnoegle`" in md and "Mistet kontakt / udeblevet" in md
    assert "Rækker: 5" in md


def test_rerun_gives_the_same_content(pub: Published, out: Path) -> None:
    first = export_cohort(pub.settings, out)
    m1 = _manifest(out)
    cipher1 = _data_file(out).read_bytes()
    desc1 = (out / "variabelbeskrivelse.md").read_bytes(), (out / "variabelbeskrivelse.csv").read_bytes()
    second = export_cohort(pub.settings, out)
    m2 = _manifest(out)
    assert first["content_sha256"] == second["content_sha256"] == m2["content_sha256"]
    assert m1["files"][0]["sha256_plaintext"] == m2["files"][0]["sha256_plaintext"]
    assert _decrypt(_data_file(out)) == pyrage.decrypt(cipher1, [pyrage.x25519.Identity.from_str(demo_identity())])
    assert ((out / "variabelbeskrivelse.md").read_bytes(), (out / "variabelbeskrivelse.csv").read_bytes()) == desc1
    # age uses a fresh file key each time: same plaintext, different ciphertext (by design)
    assert m1["files"][0]["sha256_ciphertext"] != m2["files"][0]["sha256_ciphertext"]
    assert verify_cohort(out)
    events = [r for r in read_audit(pub.settings) if r["event"] == "export_cohort"]
    assert len(events) == 2 and events[0]["content_sha256"] == events[1]["content_sha256"]
    assert clear_cpr_hits(audit_path(pub.settings).read_bytes(), pub.cprs) == []
    assert verify_audit(pub.settings)


@pytest.mark.parametrize("tamper", ["edit_description", "extra_file", "missing_file", "manifest_rows", "cipher"])
def test_verify_detects_tampering(pub: Published, out: Path, tamper: str) -> None:
    export_cohort(pub.settings, out)
    if tamper == "edit_description":
        (out / "variabelbeskrivelse.md").write_text("ændret\n", encoding="utf-8")
    elif tamper == "extra_file":
        (out / "ekstra.csv").write_text("a\r\n1\r\n", encoding="utf-8")
    elif tamper == "missing_file":
        (out / "variabelbeskrivelse.csv").unlink()
    elif tamper == "manifest_rows":
        manifest = _manifest(out)
        manifest["rows"] = 4
        (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    elif tamper == "cipher":
        data = bytearray(_data_file(out).read_bytes())
        data[-1] ^= 1
        _data_file(out).write_bytes(bytes(data))
    assert not verify_cohort(out)


def test_wrong_identity_does_not_verify(pub: Published, out: Path) -> None:
    export_cohort(pub.settings, out)
    assert not verify_cohort(out, identity=str(pyrage.x25519.Identity.generate()))


def test_configured_recipient_is_used(pub: Published, out: Path) -> None:
    identity = pyrage.x25519.Identity.generate()
    settings = get_settings(cohort_recipient=str(identity.to_public()))
    export_cohort(settings, out)
    assert _manifest(out)["demo_key"] is False
    assert b"cpr,pseudonym" in _decrypt(_data_file(out), str(identity))
    with pytest.raises(pyrage.DecryptError):
        _decrypt(_data_file(out))  # the demo identity cannot open it


def test_production_refuses_without_its_own_recipient(home: Path) -> None:
    with pytest.raises(SettingsError, match="UDBREDELSE_COHORT_RECIPIENT er ikke sat"):
        cohort_recipient(Settings(mode="production"))
    with pytest.raises(SettingsError, match="demo-nøglen"):
        cohort_recipient(Settings(mode="production", cohort_recipient=demo_recipient()))
    with pytest.raises(SettingsError, match="age-nøgle"):
        from udbredelse.export.cohort import encrypt_for

        encrypt_for(b"x", "ikke-en-nøgle")
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    assert cohort_recipient(Settings(mode="production", cohort_recipient=recipient)) == recipient


def test_demo_keys_are_a_matching_pair() -> None:
    identity = pyrage.x25519.Identity.from_str(demo_identity())
    assert str(identity.to_public()) == demo_recipient()


def test_dbt_current_course_model_is_preferred_and_agrees_with_the_raw_rule(pub: Published, out: Path) -> None:
    raw_result = export_cohort(pub.settings, out / "raw")
    assert raw_result["source"].startswith("raw.courses")
    # add a model shaped like dbt's intermediate.int_courses_current (English column names, no key id column)
    import duckdb

    con = duckdb.connect(str(pub.settings.published_path))
    try:
        con.execute("create schema intermediate")
        con.execute("""
            create table intermediate.int_courses_current as
            with cur as (
                select file_id, kommunekode, indsats, reporting_date, row_number() over (
                    partition by kommunekode, indsats order by reporting_date desc, received_at desc) as rn
                from raw.files where file_type = 'courses' and status in ('accepted', 'partial')
            )
            select c.kommunekode, c.indsats, c.forloeb_id as course_id, c.file_id, c.reporting_date, c.person_id,
                   c.sex, c.age_at_start, c.henvisningsdato as referral_date,
                   c.henvisningsaarsag as referral_reason_code, c.status as status_code, c.startdato as start_date,
                   c.slutdato as end_date, c.afslutningsaarsag as end_reason_code
            from raw.courses as c inner join cur on c.file_id = cur.file_id and cur.rn = 1
        """)
    finally:
        con.close()
    model_result = export_cohort(pub.settings, out / "model")
    assert model_result["source"] == "intermediate.int_courses_current"
    assert model_result["rows"] == raw_result["rows"] == 5
    assert _decrypt(_data_file(out / "model")) == _decrypt(_data_file(out / "raw"))


def test_empty_snapshot_gives_an_empty_but_valid_delivery(settings: Settings, out: Path) -> None:
    import duckdb

    from udbredelse import warehouse

    settings.published_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.published_path))
    warehouse.ensure_raw_schema(con)
    con.close()
    result = export_cohort(settings, out)
    assert result["rows"] == 0 and result["verified"] is True
    assert _decrypt(_data_file(out)).decode().startswith("cpr,pseudonym,")
    assert verify_cohort(out, identity=demo_identity())


def test_refuses_a_folder_with_other_files(pub: Published, out: Path) -> None:
    (out / "noget_andet.csv").write_text("x\r\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="tom mappe"):
        export_cohort(pub.settings, out)
    assert sorted(p.name for p in out.iterdir()) == ["noget_andet.csv"]
