"""Landing: manifest, idempotency, supersession and carry-forward, wipe guard, quarantine, encryption at rest."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers import CPRS, INVALID, VALID, clear_cpr_forms, dashed, move_file, move_row

from udbredelse import crypto
from udbredelse.ingest import ingest_file, ingest_inbox, validate_file
from udbredelse.vault import read_cpr


def _query(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _drop(settings, folder: str, name: str, data: bytes, mtime: dt.datetime | None = None) -> Path:
    path = settings.inbox_dir / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        stamp = mtime.replace(tzinfo=dt.UTC).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def _copy_valid(settings, name: str, folder: str = "101") -> Path:
    return _drop(settings, folder, name, (VALID / name).read_bytes())


def test_every_file_type_lands_in_its_raw_table(settings) -> None:
    for name in ("101_MOVE_forloeb_2026-03-31.csv", "101_MOVE_sessioner_2026-03-31.csv",
                 "101_MOVE_maalinger_2026-03-31.csv", "101_MOVE_maaltal_2026-03-31.csv",
                 "101_MOVE_milepaele_2026-03-31.csv", "101_EFEI_forloeb_2026-03-31.csv"):
        _copy_valid(settings, name)
    _copy_valid(settings, "147_CTI_forloeb_2026-03-31.csv", folder="147")
    _copy_valid(settings, "register_2026-03-31.csv", folder="register")
    arrived = dt.datetime(2026, 4, 3, 8, 30)
    path = settings.inbox_dir / "101" / "101_MOVE_forloeb_2026-03-31.csv"
    os.utime(path, (arrived.replace(tzinfo=dt.UTC).timestamp(),) * 2)

    results = ingest_inbox(settings)
    assert len(results) == 8
    assert {r["status"] for r in results} == {"accepted"}, results
    assert {r["file_type"] for r in results} == {"courses", "sessions", "measurements", "targets", "milestones",
                                                 "registry"}
    counts = {t: _query(settings, f"select count(*) from raw.{t}")[0][0]  # noqa: S608 - constant names
              for t in ("courses", "sessions", "measurements", "targets", "milestones", "registry", "course_items")}
    assert counts == {"courses": 4 + 2 + 2, "sessions": 3, "measurements": 2, "targets": 2, "milestones": 2,
                      "registry": 2, "course_items": 4 + 2 + 2}
    # manifest: hash as id, name as metadata, reporting date from the name, received_at = mtime
    row = _query(settings, "select original_name, source, kommunekode, indsats, file_type, reporting_date, encoding, "
                           "delimiter, rows_read, rows_accepted, status, received_at, archive_path "
                           "from raw.files where original_name = ?", ["101_MOVE_forloeb_2026-03-31.csv"])[0]
    assert row[:10] == ("101_MOVE_forloeb_2026-03-31.csv", "inbox", "101", "MOVE", "courses", dt.date(2026, 3, 31),
                        "utf-8", ";", 4, 4)
    assert row[10] == "accepted" and row[11] == arrived
    file_id = results[[r["name"] for r in results].index("101_MOVE_forloeb_2026-03-31.csv")]["file_id"]
    assert row[12] == f"archive/{file_id}.bin"
    # archived encrypted, decryptable to the original bytes; inbox emptied
    blob = (settings.archive_dir / f"{file_id}.bin").read_bytes()
    original = (VALID / "101_MOVE_forloeb_2026-03-31.csv").read_bytes()
    assert blob != original and crypto.decrypt(blob, settings.vault_key_bytes, file_id.encode()) == original
    assert not [p for p in settings.inbox_dir.rglob("*") if p.is_file()]
    # pseudonyms, sex, age; EFEI and registry without CPR-derived data from us
    people = _query(settings, "select person_id, pseudonym_key_id, sex, age_at_start from raw.courses "
                              "where indsats = 'MOVE' order by row_number")
    assert all(len(p[0]) == 32 and p[1] == settings.pseudonym_key_id for p in people)
    assert [p[2] for p in people] == ["M", "K", "K", "M"]
    assert _query(settings, "select count(person_id) from raw.courses where indsats = 'EFEI'")[0][0] == 0
    report = json.loads((settings.reports_dir / f"{file_id}.json").read_text(encoding="utf-8"))
    assert report["status"] == "accepted" and report["rows_total"] == 4


def test_same_bytes_twice_is_a_no_op(settings) -> None:
    _copy_valid(settings, "101_MOVE_forloeb_2026-03-31.csv")
    first = ingest_inbox(settings)
    _copy_valid(settings, "101_MOVE_forloeb_2026-03-31.csv")
    second = ingest_inbox(settings)
    assert first[0]["status"] == "accepted" and second[0]["status"] == "duplicate"
    assert second[0]["file_id"] == first[0]["file_id"] and second[0]["rows_accepted"] == 4
    assert _query(settings, "select count(*) from raw.files")[0][0] == 1
    assert _query(settings, "select count(*) from raw.courses")[0][0] == 4


def test_supersession_and_carry_forward(settings) -> None:
    march = move_file([move_row("F1", dashed(CPRS[0])), move_row("F2", dashed(CPRS[1])),
                       move_row("F3", dashed(CPRS[2]))])
    # April: F2 is now wrong (end before start) → rejected, carried forward; F3 dropped; F4 new
    april = move_file([move_row("F1", dashed(CPRS[0]), status="gennemfoert", end="2026-04-20"),
                       move_row("F2", dashed(CPRS[1]), status="gennemfoert", end="2025-12-01"),
                       move_row("F4", dashed(CPRS[3]), start="2026-04-02")])
    _drop(settings, "101", "101_MOVE_forloeb_2026-03-31.csv", march)
    _drop(settings, "101", "101_MOVE_forloeb_2026-04-30.csv", april)
    results = ingest_inbox(settings)
    assert [r["status"] for r in results] == ["accepted", "partial"]
    assert results[1]["rows_read"] == 3 and results[1]["rows_accepted"] == 2 and results[1]["rows_rejected"] == 1
    march_id, april_id = results[0]["file_id"], results[1]["file_id"]
    assert _query(settings, "select supersedes from raw.files where file_id = ?", [april_id])[0][0] == march_id
    snapshot = _query(settings, "select forloeb_id, status, is_carried_forward, carried_from_file_id, row_number "
                                "from raw.courses where file_id = ? order by forloeb_id", [april_id])
    assert snapshot == [("F1", "gennemfoert", False, None, 2), ("F2", "i_gang", True, march_id, 3),
                        ("F4", "i_gang", False, None, 4)]
    items = _query(settings, "select forloeb_id from raw.course_items where file_id = ? order by 1", [april_id])
    assert [i[0] for i in items] == ["F1", "F2", "F4"]
    issues = _query(settings, "select row_number, column_name, code from raw.validation_issues where file_id = ?",
                    [april_id])
    assert issues == [(3, "slutdato", "end_before_start")]
    # May: F2 rejected again → still carried from March's accepted version
    may = move_file([move_row("F1", dashed(CPRS[0]), status="gennemfoert", end="2026-04-20"),
                     move_row("F2", dashed(CPRS[1]), status="gennemfoert", end="2025-12-01")])
    _drop(settings, "101", "101_MOVE_forloeb_2026-05-31.csv", may)
    may_id = ingest_inbox(settings)[0]["file_id"]
    assert _query(settings, "select carried_from_file_id from raw.courses where file_id = ? and forloeb_id = 'F2'",
                  [may_id]) == [(march_id,)]


def test_wipe_guard(settings) -> None:
    """A snapshot removing every course is the extreme case of the vanishing guard (tests/ingest/test_snapshot.py)."""
    _drop(settings, "101", "101_MOVE_forloeb_2026-03-31.csv", move_file([move_row("F1", dashed(CPRS[0]))]))
    ingest_inbox(settings)
    header_only = _drop(settings, "101", "101_MOVE_forloeb_2026-04-30.csv", move_file([]))
    held = ingest_inbox(settings)[0]
    assert held["status"] == "held" and held["rows_read"] == 0
    assert not header_only.exists()  # kept encrypted in held/ while it waits for confirmation
    report = json.loads((settings.reports_dir / f"{held['file_id']}.json").read_text(encoding="utf-8"))
    assert [e["code"] for e in report["errors"][:2]] == ["snapshot_empty", "snapshot_held"]
    assert "alle" in report["errors"][0]["message"] and "1 af kommunens 1 forløb" in report["errors"][1]["message"]
    # the dry run says so before anything is sent
    header_only = _drop(settings, "101", "101_MOVE_forloeb_2026-04-30.csv", move_file([]))
    dry = validate_file(header_only, settings)
    assert dry.status == "rejected" and dry.errors[0]["code"] == "snapshot_empty"
    assert _query(settings, "select count(*) from raw.files")[0][0] == 1
    confirmed = ingest_file(header_only, settings, confirm_wipe=True)
    assert confirmed["status"] == "accepted"
    assert not header_only.exists()


def test_rejected_file_is_quarantined_encrypted(settings) -> None:
    path = _drop(settings, "101", "101_EFEI_forloeb_2026-03-31.csv",
                 (INVALID / "cpr_forbidden__101_EFEI_forloeb_2026-03-31.csv").read_bytes())
    result = ingest_inbox(settings)[0]
    assert result["status"] == "rejected" and result["rows_accepted"] == 0
    assert not path.exists()
    file_id = result["file_id"]
    assert (settings.quarantine_dir / f"{file_id}.bin").exists()
    report = json.loads((settings.quarantine_dir / f"{file_id}.json").read_text(encoding="utf-8"))
    assert report["errors"][0]["code"] == "cpr_forbidden"
    assert not (settings.archive_dir / f"{file_id}.bin").exists()
    assert _query(settings, "select status, archive_path, supersedes from raw.files") == [
        ("rejected", f"quarantine/{file_id}.bin", None)]
    assert _query(settings, "select count(*) from raw.courses")[0][0] == 0


def test_wrong_municipality_and_unknown_uploader(settings) -> None:
    _drop(settings, "147", "101_MOVE_forloeb_2026-03-31.csv", (VALID / "101_MOVE_forloeb_2026-03-31.csv").read_bytes())
    _drop(settings, ".", "loose_MOVE_forloeb_2026-03-31.csv", move_file([move_row("F9", dashed(CPRS[4]))]))
    results = {r["name"]: r for r in ingest_inbox(settings)}
    assert results["101_MOVE_forloeb_2026-03-31.csv"]["status"] == "rejected"
    assert results["loose_MOVE_forloeb_2026-03-31.csv"]["status"] == "rejected"
    codes = {row[0] for row in _query(settings, "select code from raw.validation_issues where row_number is null")}
    assert {"wrong_kommune", "uploader_unknown"} <= codes


def test_upload_source_and_mixed_rows(settings, tmp_path) -> None:
    upload = tmp_path / "upload.csv"
    upload.write_bytes(move_file([move_row("F1", dashed(CPRS[0])), move_row("F2", "not-a-cpr")]))
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = ingest_file(upload, settings, kommune="101", source="upload", original_name="marts.csv")
    assert result["status"] == "partial" and result["rows_accepted"] + result["rows_rejected"] == result["rows_read"]
    assert upload.exists()
    source, name, received = _query(settings, "select source, original_name, received_at from raw.files")[0]
    assert source == "upload" and name == "marts.csv" and received >= before - dt.timedelta(seconds=5)


def test_one_bad_file_does_not_block_the_rest(settings) -> None:
    _drop(settings, "101", "101_MOVE_forloeb_2026-03-31.csv", b"\x00\x01garbage")
    _copy_valid(settings, "101_MOVE_sessioner_2026-03-31.csv")
    statuses = sorted(r["status"] for r in ingest_inbox(settings))
    assert statuses == ["accepted", "rejected"]
    # even an unreadable file is counted for its sender (and what its name says)
    assert _query(settings, "select kommunekode, indsats, file_type, rows_read from raw.files "
                            "where status = 'rejected'") == [("101", "MOVE", "courses", 0)]


def test_no_clear_cpr_anywhere_at_rest(settings, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    rows = [move_row(f"F{i}", dashed(c) if i % 2 else c) for i, c in enumerate(CPRS)]
    rows.append(move_row("F99", dashed(CPRS[0]), status="gennemfoert"))  # rejected row with a CPR
    rows.append(move_row("F98", CPRS[1][:6] + "-" + CPRS[1][6:], kommune="147"))  # rejected, other kommune
    _drop(settings, "101", "101_MOVE_forloeb_2026-03-31.csv", move_file(rows))
    _drop(settings, "101", "101_EFEI_forloeb_2026-03-31.csv",
          (INVALID / "cpr_forbidden__101_EFEI_forloeb_2026-03-31.csv").read_bytes())
    results = ingest_inbox(settings)
    assert {r["status"] for r in results} == {"partial", "rejected"}
    forbidden = [form for c in [*CPRS, "6503074018"] for form in clear_cpr_forms(c)]
    blobs = [p.read_bytes() for p in settings.home_path.rglob("*") if p.is_file() and "inbox" not in p.parts]
    assert blobs
    for blob in blobs:
        for form in forbidden:
            assert form not in blob
    text = json.dumps(results) + caplog.text + capsys.readouterr().out
    for form in forbidden:
        assert form.decode("latin-1") not in text
    # DuckDB may compress strings on disk, so also look at every text value in the warehouse
    columns = _query(settings, "select table_schema, table_name, column_name from information_schema.columns "
                               "where data_type = 'VARCHAR'")
    assert len(columns) > 20
    for schema, table, column in columns:
        values = _query(settings, f'select distinct "{column}" from "{schema}"."{table}"')  # noqa: S608 - catalog names
        joined = "\n".join(str(v[0]) for v in values)
        for c in [*CPRS, "6503074018"]:
            assert c not in joined and f"{c[:6]}-{c[6:]}" not in joined, (table, column)
    # the vault holds them, encrypted, and gives them back to the cohort export only
    vault = read_cpr(settings)
    assert sorted(vault.values()) == sorted(CPRS)
    person_ids = {r[0] for r in _query(settings, "select person_id from raw.courses")}
    assert set(vault) == person_ids
    some = sorted(person_ids)[:2]
    assert set(read_cpr(settings, some)) == set(some)


def test_vault_key_mismatch_fails_without_revealing(settings, monkeypatch) -> None:
    _copy_valid(settings, "101_MOVE_forloeb_2026-03-31.csv")
    ingest_inbox(settings)
    from udbredelse.settings import get_settings

    monkeypatch.setenv("UDBREDELSE_VAULT_KEY", "33" * 32)
    with pytest.raises(crypto.DecryptionError) as info:
        read_cpr(get_settings())
    for cpr10 in CPRS:
        assert cpr10 not in str(info.value) and cpr10[:6] not in str(info.value)


def test_ingest_is_safe_to_rerun_after_moving_fixture_dir(settings, tmp_path) -> None:
    inbox = tmp_path / "other_inbox"
    (inbox / "101").mkdir(parents=True)
    shutil.copy(VALID / "101_MOVE_maaltal_2026-03-31.csv", inbox / "101")
    assert [r["status"] for r in ingest_inbox(settings, inbox=inbox, kommune="101")] == ["accepted"]
    assert ingest_inbox(settings, inbox=inbox, kommune="101") == []
