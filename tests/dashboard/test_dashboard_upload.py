"""Upload page: dry run with row-level Danish errors, confirm hands the file to the inbox, ingest takes it from there."""

from __future__ import annotations

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


def _upload(at: AppTest, path: Path, name: str | None = None) -> AppTest:
    at.file_uploader(key="upload_file").set_value((name or path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


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
    assert any("Indsendt" in s.value and "modtaget" in s.value for s in at.success)
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


def test_file_for_another_municipality_is_rejected_with_row_errors(published: Settings) -> None:
    at = page(login("kommune", OWN), "upload")
    _upload(at, WRONG_KOMMUNE, name="101_MOVE_forloeb_2026-03-31.csv")
    assert any("delvist godkendt" in w.value and "1 afvist" in w.value for w in at.warning)
    issues = at.dataframe[0].value
    row = issues[issues["Kode"] == "kommune_mismatch"]
    assert row["Række"].tolist() == [3]  # the other municipality's row (header = row 1)
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
