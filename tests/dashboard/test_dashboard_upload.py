"""Upload page: dry run with row-level Danish errors and the snapshot diff, confirm hands the file to the
inbox (never the warehouse from Streamlit), the file's way shown from its receipt, Danish texts."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from dashboard_fixture import OWN, login, page
from streamlit.testing.v1 import AppTest

from dashboard import actions
from dashboard.viewer import AccessDenied, Viewer
from udbredelse import pipeline
from udbredelse.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALID = FIXTURES / "valid" / "101_MOVE_forloeb_2026-03-31.csv"
WRONG_KOMMUNE = FIXTURES / "invalid" / "kommune_mismatch__101_MOVE_forloeb_2026-03-31.csv"

pytestmark = pytest.mark.skipif(not VALID.exists(), reason="ingest fixtures not present")


def _upload(at: AppTest, path: Path, name: str | None = None, data: bytes | None = None) -> AppTest:
    key = f"upload_file_{at.session_state['_upload_round']}" if "_upload_round" in at.session_state else "upload_file_0"
    at.file_uploader(key=key).set_value((name or path.name, data or path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.success, at.info, at.warning, at.error, at.markdown) for e in kind)


def _files(settings: Settings, kommune: str = OWN) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("select file_id, kommunekode, status from raw.files where kommunekode = ?", [kommune]).fetchall()
    finally:
        con.close()


def _forbid_warehouse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard process must neither take the writer lock nor call ingest."""
    import udbredelse.ingest
    from udbredelse import warehouse

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the dashboard wrote the warehouse")

    monkeypatch.setattr(warehouse, "writer_lock", refuse)
    monkeypatch.setattr(udbredelse.ingest, "ingest_file", refuse)
    monkeypatch.setattr(udbredelse.ingest, "ingest_inbox", refuse)


def test_valid_file_is_checked_then_handed_to_the_inbox_on_confirm(
    published: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _files(published)
    with monkeypatch.context() as patched:
        _forbid_warehouse_writes(patched)
        at = page(login("kommune", OWN), "upload")
        _upload(at, VALID)
        assert any("godkendt" in s.value for s in at.success)
        assert not (published.inbox_dir / OWN).exists() or not any((published.inbox_dir / OWN).iterdir())  # dry run
        at.button(key="upload_confirm").click().run()
        assert not at.exception, at.exception
        assert "upload_confirm" not in [b.key for b in at.button]      # the confirm button is gone
        assert at.file_uploader[0].key == "upload_file_1"               # a fresh widget for the next file
        assert "Indsendt" in _texts(at) and "✓ modtaget" in _texts(at)
        history = at.dataframe[-1].value
        assert (history["Fil"].iloc[0], history["Status"].iloc[0]) == (VALID.name, "modtaget")  # from the receipt
    assert _files(published) == before  # the warehouse is untouched until ingest runs
    [receipt] = pipeline.upload_receipts(published, OWN)
    assert receipt["status"] == "modtaget" and receipt["inbox_name"] == f"{OWN}/{VALID.name}"
    assert (published.inbox_dir / receipt["inbox_name"]).read_bytes() == VALID.read_bytes()
    assert pipeline.waiting_files(published) == [receipt["inbox_name"]]
    assert not [p.name for p in (published.inbox_dir / OWN).iterdir() if p.name.startswith(".")]  # no temp left

    pipeline.ingest(published, kommune=OWN)  # what the ingest DAG or the worker does next
    ingested = {row[0]: row for row in _files(published)}
    assert ingested[receipt["file_id"]][1:2] == (OWN,) and ingested[receipt["file_id"]][2] in ("accepted", "partial")
    assert pipeline.waiting_files(published) == []
    at.run()
    text = _texts(at)
    assert "✓ modtaget" in text and "✓ kontrolleret" in text and "✓ indlæst" in text and "… tallene er opdateret" in text
    assert "None" not in text and "nan" not in text

    # the same bytes again, under another name; the previous file's message is gone
    _upload(at, VALID, name="101_MOVE_forloeb_kopi_2026-03-31.csv")
    assert "Indsendt" not in _texts(at)
    duplicate = [i.value for i in at.info if "allerede modtaget" in i.value]
    assert duplicate and re.fullmatch(
        r"Filen er allerede modtaget den \d{2}-\d{2}-\d{4} kl\. \d{2}\.\d{2}; intet nyt er indlæst\.", duplicate[0])
    assert "upload_confirm" not in [b.key for b in at.button]


def test_file_for_another_municipality_is_rejected_with_row_errors(published: Settings) -> None:
    at = page(login("kommune", OWN), "upload")
    _upload(at, WRONG_KOMMUNE, name="101_MOVE_forloeb_2026-03-31.csv")
    assert any("delvist godkendt" in w.value and "1 afvist" in w.value for w in at.warning)
    issues = at.dataframe[0].value
    row = issues[issues["Kode"] == "kommune_mismatch"]
    assert row["Række"].tolist() == ["3"]  # the other municipality's row (header = row 1)
    assert "anden kommune" in row["Besked"].iloc[0]
    assert pipeline.waiting_files(published) == []


def test_rejected_file_cannot_be_confirmed(published: Settings, tmp_path: Path) -> None:
    at = page(login("kommune", OWN), "upload")
    bad = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    bad.write_text("noget;helt;andet\n1;2;3\n", encoding="utf-8")
    _upload(at, bad)
    assert any("afvist" in e.value for e in at.error)
    assert "upload_confirm" not in [b.key for b in at.button]


def test_only_municipality_users_can_upload(published: Settings) -> None:
    with pytest.raises(AccessDenied):
        actions.validate_upload(Viewer(role="analyst"), published, VALID.name, VALID.read_bytes())
    with pytest.raises(ValueError):
        pipeline.upload_name("../../etc/passwd")
    assert pipeline.upload_name("C:\\temp\\101 MOVE forløb.csv") == "101_MOVE_forl_b.csv"


def test_milestone_edits_go_through_the_inbox(published: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:
        _forbid_warehouse_writes(patched)
        at = page(login("kommune", OWN), "implementering")
        at.selectbox(key="impl_indsats").set_value("MOVE").run()
        at.button(key="impl_save").click().run()
        assert not at.exception, at.exception
    assert any("Gemt som" in s.value for s in at.success), [e.value for e in at.error]
    [receipt] = pipeline.upload_receipts(published, OWN)
    assert receipt["inbox_name"].startswith(f"{OWN}/{OWN}_MOVE_milepaele_")
    pipeline.ingest(published, kommune=OWN)
    con = duckdb.connect(str(published.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select m.kommunekode, m.milepael, m.status from raw.milestones m where m.file_id = ? order by m.milepael",
            [receipt["file_id"]],
        ).fetchall()
    finally:
        con.close()
    assert rows and {r[0] for r in rows} == {OWN}
    assert ("101", "ledelsesansvar", "opfyldt") in rows  # due month 2: done in the published mart


def test_milestones_file_follows_the_file_contract() -> None:
    viewer = Viewer(role="kommune", kommunekode=OWN)
    from datetime import date

    name, content = actions.milestones_file(viewer, "MOVE", [
        {"milepael": "tovholder", "status": "i_gang", "dato": date(2026, 3, 1)},
        {"milepael": "lokaler", "status": "ikke_startet", "dato": None},
    ], on=date(2026, 4, 1))
    assert name == "101_MOVE_milepaele_2026-04-01.csv"
    assert content.decode().splitlines() == [
        "kommunekode;indsats;milepael;status;dato", "101;MOVE;tovholder;i_gang;2026-03-01", "101;MOVE;lokaler;ikke_startet;",
    ]


def test_history_is_danish(published: Settings) -> None:
    pipeline.submit_upload(published, OWN, VALID.name, VALID.read_bytes(), submitted_by="test")
    pipeline.ingest(published)
    at = page(login("kommune", OWN), "upload")
    history = at.dataframe[-1].value
    row = history.iloc[0]
    assert row["Type"] == "forløbsfil" and row["Kanal"] == "Upload" and row["Indberetningsdato"] == "31-03-2026"
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} kl\. \d{2}\.\d{2}", row["Modtaget"])
    assert row["Status"] in ("indlæst", "Godkendt", "Delvist godkendt")
    cells = " ".join(str(v) for v in history.to_numpy().ravel())
    assert "None" not in cells and "nan" not in cells and "courses" not in cells and "accepted" not in cells


HEADER = ("kommunekode;indsats;forloeb_id;cpr;henvisningsdato;henvisningsaarsag;status;startdato;slutdato;"
          "afslutningsaarsag;antal_sessioner;medarbejder_id;ungmap_screening")


def _snapshot(ids: range) -> bytes:
    rows = [f"101;MOVE;K-{i:03d};{61 + i % 28:02d}0190-{1000 + i:04d};2026-01-05;rusmiddel;i_gang;2026-01-12;;;5;M1;ja"
            for i in ids]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_vanishing_courses_are_listed_and_need_a_named_confirmation(published: Settings, tmp_path: Path) -> None:
    from udbredelse import warehouse
    from udbredelse.ingest import held, ingest_file

    current = tmp_path / "101_MOVE_forloeb_2026-04-30.csv"
    current.write_bytes(_snapshot(range(30)))
    ingest_file(current, published, kommune=OWN, source="upload")
    warehouse.publish(published)

    at = page(login("kommune", OWN), "upload")
    truncated = _snapshot(range(2))
    _upload(at, current, name="101_MOVE_forloeb_2026-05-31.csv", data=truncated)
    text = _texts(at)
    assert "forsvinder: 28 (i dag 30 forløb)" in text
    assert "28 forløb findes ikke længere i filen: K-002, K-003" in text and "forkert filter" in text
    assert at.button(key="upload_confirm").disabled            # not before the number is confirmed
    assert at.checkbox(key="upload_agree_vanishing").label == "Ja, de 28 forløb skal forsvinde fra tallene"
    at.button(key="upload_cancel").click().run()                # declined
    assert not at.exception, at.exception
    assert "upload_confirm" not in [b.key for b in at.button] and at.file_uploader[0].key == "upload_file_1"
    assert not (published.inbox_dir / OWN).exists() or not any((published.inbox_dir / OWN).iterdir())

    _upload(at, current, name="101_MOVE_forloeb_2026-05-31.csv", data=truncated)
    at.checkbox(key="upload_agree_vanishing").check().run()
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    from udbredelse.ingest.check import file_id_of

    assert held.confirmation(published, file_id_of(truncated))["vanishing"] == 28
    result = pipeline.ingest(published)["results"][0]
    assert result["status"] == "accepted"                       # confirmed in advance: loaded, not held


def test_a_held_inbox_file_is_shown_and_confirmed_by_the_municipality(published: Settings, tmp_path: Path) -> None:
    from udbredelse.ingest import held, ingest_file

    first = tmp_path / "101_MOVE_forloeb_2026-04-30.csv"
    first.write_bytes(_snapshot(range(30)))
    ingest_file(first, published, kommune=OWN)
    (published.inbox_dir / OWN).mkdir(parents=True, exist_ok=True)
    (published.inbox_dir / OWN / "101_MOVE_forloeb_2026-05-31.csv").write_bytes(_snapshot(range(3)))
    assert pipeline.ingest(published)["by_status"] == {"held": 1}
    at = page(login("kommune", OWN), "upload")
    assert "27 forløb findes ikke længere i filen" in _texts(at)
    assert "Afventer bekræftelse" in at.dataframe[-1].value["Status"].tolist()
    confirm = next(b for b in at.button if b.key.startswith("held_confirm_"))
    assert confirm.label == "Bekræft: de 27 forløb skal forsvinde"
    confirm.click().run()
    assert not at.exception, at.exception
    assert "Bekræftet" in _texts(at)
    assert pipeline.ingest(published)["by_status"] == {"accepted": 1}
    assert held.records(published) == []


def test_file_level_errors_show_no_none(published: Settings, tmp_path: Path) -> None:
    at = page(login("kommune", OWN), "upload")
    bad = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    bad.write_text("noget;helt;andet\n1;2;3\n", encoding="utf-8")
    _upload(at, bad)
    issues = at.dataframe[0].value
    assert issues["Række"].tolist()[0] == "hele filen"
    cells = " ".join(str(v) for v in issues.to_numpy().ravel())
    assert "None" not in cells and "nan" not in cells
