"""Snapshot diff and the vanishing-course guard: pure diff, the catalog limit, held files on every path."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest
from helpers import move_file, move_row

from udbredelse.catalog import load_catalog
from udbredelse.cli import main
from udbredelse.ingest import confirm_held, ingest_file, ingest_inbox, preview_snapshot
from udbredelse.ingest import held as heldmod
from udbredelse.ingest.snapshot import VanishLimit, diff_snapshots, vanish_limit


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"forloeb_id": pl.Utf8, "status": pl.Utf8, "startdato": pl.Date,
                                      "slutdato": pl.Date, "antal_sessioner": pl.Int64}, orient="row")


D = dt.date


def test_diff_classifies_new_changed_unchanged_vanishing() -> None:
    current = _frame([("A", "i_gang", D(2026, 1, 5), None, 3), ("B", "i_gang", D(2026, 1, 5), None, 3),
                      ("C", "henvist", None, None, None), ("D", "i_gang", D(2026, 2, 1), None, 1),
                      ("E", "i_gang", D(2026, 2, 1), None, 1)])
    new = _frame([("A", "i_gang", D(2026, 1, 5), None, 3),                      # unchanged
                  ("B", "gennemfoert", D(2026, 1, 5), D(2026, 3, 1), 3),        # status + end
                  ("C", "henvist", None, None, None),                           # unchanged (nulls equal)
                  ("D", "i_gang", D(2026, 2, 1), None, 4),                      # sessions
                  ("F", "henvist", None, None, None)])                          # new
    diff = diff_snapshots(current, new, carried=["A", "B", "C", "D", "F", "X"])  # X: rejected, unknown
    assert diff.new == ["F"]
    assert diff.changed == {"B": ["status", "slutdato"], "D": ["antal_sessioner"]}
    assert diff.unchanged == ["A", "C"]
    assert diff.vanishing == ["E"]
    assert diff.current_total == 5 and diff.new_total == 5


def test_a_rejected_row_is_carried_not_vanishing() -> None:
    current = _frame([("A", "i_gang", D(2026, 1, 5), None, 3), ("B", "i_gang", D(2026, 1, 5), None, 3)])
    new = _frame([("A", "i_gang", D(2026, 1, 5), None, 3)])
    diff = diff_snapshots(current, new, carried=["A", "B"])  # B's new row was rejected: carried forward
    assert diff.vanishing == [] and diff.carried == ["B"] and diff.unchanged == ["A", "B"]


def test_limit_from_the_catalog() -> None:
    limit = vanish_limit(load_catalog())
    assert limit == VanishLimit(share=0.10, count=20)
    assert not limit.exceeded(0, 171)
    assert not limit.exceeded(20, 171)      # 11.7 % but not more than 20 courses
    assert limit.exceeded(21, 171)          # 12.3 % and more than 20
    assert not limit.exceeded(90, 1000)     # more than 20 but 9 %
    assert limit.exceeded(101, 1000)
    assert not limit.exceeded(1, 7)         # a small municipality's correction
    assert limit.exceeded(3, 3)             # every course: the old wipe guard
    assert limit.exceeded(169, 171)         # the 2-course snapshot over 171


def test_vanishing_text_names_the_number_and_the_ids() -> None:
    current = _frame([(f"K-{i:03d}", "i_gang", D(2026, 1, 5), None, 1) for i in range(30)])
    diff = diff_snapshots(current, current.head(18))
    text = diff.vanishing_text(VanishLimit(0.10, 10))
    assert text.startswith("12 forløb findes ikke længere i filen: K-018, K-019")
    assert "forkert filter" in text and "mere end 10 % af forløbene og mere end 10 forløb" in text
    assert "forkert filter" not in diff.vanishing_text(VanishLimit(0.5, 20))
    assert diff_snapshots(current, current).vanishing_text() == ""


def _cpr(i: int) -> str:
    return f"{61 + i % 28:02d}0190-{1000 + i:04d}"  # fictitious (day + 60)


def _courses(n: int, started: int = 0) -> bytes:
    return move_file([move_row(f"F{i:03d}", _cpr(i), status="i_gang" if i < started or started == 0 else "henvist",
                               start="2026-01-12" if i < started or started == 0 else "") for i in range(n)])


def _drop(settings, name: str, data: bytes):
    path = settings.inbox_dir / "101" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _current_courses(settings) -> list[str]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "select forloeb_id from raw.courses where file_id = (select file_id from raw.files "
            "where file_type = 'courses' and status in ('accepted','partial') "
            "order by reporting_date desc, received_at desc limit 1) order by 1").fetchall()]
    finally:
        con.close()


def test_truncated_snapshot_in_the_inbox_is_held_then_confirmed(settings, capsys) -> None:
    _drop(settings, "101_MOVE_forloeb_2026-03-31.csv", _courses(30))
    assert ingest_inbox(settings)[0]["status"] == "accepted"
    before = _current_courses(settings)
    truncated = _drop(settings, "101_MOVE_forloeb_2026-04-30.csv", _courses(2))
    result = ingest_inbox(settings)[0]
    assert result["status"] == "held" and result["vanishing"] == 28
    assert not truncated.exists()                                  # kept encrypted in held/, not in the clear
    file_id = result["file_id"]
    blob = (heldmod.held_dir(settings) / f"{file_id}.bin").read_bytes()
    assert blob.startswith(b"UDB1") and b"610190" not in blob and b"F002" not in blob
    report = json.loads((settings.reports_dir / f"{file_id}.json").read_text(encoding="utf-8"))
    assert report["status"] == "held" and report["errors"][0]["code"] == "snapshot_held"
    assert "28 af kommunens 30 forløb" in report["errors"][0]["message"]
    assert report["snapshot"]["vanishing"] == [f"F{i:03d}" for i in range(2, 30)]
    assert report["snapshot"]["vanishing_text"].startswith("28 forløb findes ikke længere i filen: F002, F003")
    assert _current_courses(settings) == before                    # numbers unchanged
    # the same bytes again: still held, nothing loaded; another run leaves it alone
    assert ingest_inbox(settings) == []
    assert [r["file_id"] for r in heldmod.records(settings, "101")] == [file_id]

    assert main(["ingest", "--confirm", file_id]) == 0
    out = capsys.readouterr().out
    assert "accepted" in out
    assert _current_courses(settings) == ["F000", "F001"]
    assert heldmod.records(settings) == []
    assert not (heldmod.held_dir(settings) / f"{file_id}.bin").exists()
    assert (settings.archive_dir / f"{file_id}.bin").exists()


def test_confirmation_in_advance_names_the_number(settings, tmp_path) -> None:
    """The dashboard confirms after the dry run; ingest loads the file only if no more vanish than confirmed."""
    _drop(settings, "101_MOVE_forloeb_2026-03-31.csv", _courses(30))
    ingest_inbox(settings)
    upload = tmp_path / "101_MOVE_forloeb_2026-04-30.csv"
    upload.write_bytes(_courses(5))
    current = pl.DataFrame({"forloeb_id": _current_courses(settings)})
    diff = preview_snapshot(upload, settings, current, kommune="101")
    assert len(diff.vanishing) == 25 and diff.exceeds(vanish_limit(load_catalog()))
    from udbredelse.ingest.check import file_id_of

    file_id = file_id_of(upload.read_bytes())
    confirm_held(settings, file_id, by="test", vanishing=24, kommune="101")   # too few: held again
    assert ingest_file(upload, settings, kommune="101", source="upload")["status"] == "held"
    assert heldmod.confirmation(settings, file_id) is None
    confirm_held(settings, file_id, by="test", vanishing=25, kommune="101")
    assert ingest_inbox(settings)[0]["status"] == "accepted"   # the held file is loaded by the next run
    assert len(_current_courses(settings)) == 5


def test_a_municipality_cannot_confirm_another_municipalitys_file(settings) -> None:
    _drop(settings, "101_MOVE_forloeb_2026-03-31.csv", _courses(30))
    ingest_inbox(settings)
    _drop(settings, "101_MOVE_forloeb_2026-04-30.csv", _courses(1))
    file_id = ingest_inbox(settings)[0]["file_id"]
    with pytest.raises(heldmod.HeldError):
        confirm_held(settings, file_id, by="test", kommune="147")
    with pytest.raises(heldmod.HeldError):
        confirm_held(settings, "../../etc/passwd", by="test")
    assert main(["ingest", "--confirm", "0" * 64]) == 1


def test_few_vanishing_courses_are_loaded(settings) -> None:
    _drop(settings, "101_MOVE_forloeb_2026-03-31.csv", _courses(30))
    ingest_inbox(settings)
    _drop(settings, "101_MOVE_forloeb_2026-04-30.csv", _courses(12))   # 18 of 30: shown in the dry run, not held
    assert ingest_inbox(settings)[0]["status"] == "accepted"
    assert len(_current_courses(settings)) == 12


def test_an_empty_current_snapshot_makes_every_course_new() -> None:
    empty = pl.DataFrame({"forloeb_id": []})  # dtype null, as from an empty query
    diff = diff_snapshots(empty, _frame([("A", "henvist", None, None, None)]))
    assert diff.new == ["A"] and diff.vanishing == [] and diff.current_total == 0


def test_under_airflow_the_ingest_batch_loads_a_confirmed_held_file(settings) -> None:
    """The ingest DAG lands the inbox with `pipeline.ingest_batch`: a held file confirmed in the dashboard goes in."""
    from udbredelse import pipeline

    _drop(settings, "101_MOVE_forloeb_2026-03-31.csv", _courses(30))
    ingest_inbox(settings)
    _drop(settings, "101_MOVE_forloeb_2026-04-30.csv", _courses(2))
    first = pipeline.ingest_batch(settings)
    assert first["by_status"] == {"held": 1} and first["loaded"] == 0
    [record] = heldmod.records(settings, "101")
    confirm_held(settings, record["file_id"], by="kommune:test", vanishing=28, kommune="101")
    second = pipeline.ingest_batch(settings)
    assert second["by_status"] == {"accepted": 1} and second["loaded"] == 1
    assert _current_courses(settings) == ["F000", "F001"] and heldmod.records(settings) == []
