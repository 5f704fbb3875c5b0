"""Adversarial input at the boundary: hostile file names, mixed encodings, formula injection, header-only snapshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from udbredelse.ingest import ingest_file, validate_file
from udbredelse.settings import Settings

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
COURSES = VALID / "101_MOVE_forloeb_2026-03-31.csv"


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_hostile_upload_names_are_metadata_only(settings: Settings, tmp_path: Path) -> None:
    outside_before = _all_files(tmp_path) - _all_files(settings.home_path)
    hostile = "../../../../tmp/evil\x00\r\n;=cmd|' /C calc'!A0" + "x" * 5000 + ".csv"
    result = ingest_file(COURSES, settings, kommune="101", source="upload", original_name=hostile)
    assert result["status"] in ("accepted", "partial")
    # nothing appeared outside the data home, and the archive holds the file under its hash
    outside_after = _all_files(tmp_path) - _all_files(settings.home_path)
    assert outside_after == outside_before
    archived = [p.name for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert archived and all(name.split(".")[0] == result["file_id"] for name in archived)
    assert not Path("/tmp/evil").exists()


def test_inbox_file_with_control_characters_and_a_long_name(settings: Settings) -> None:
    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    name = "101_MOVE_forloeb_2026-03-31_\x1b[31m" + "æ" * 60 + ".csv"
    target = folder / name
    shutil.copyfile(COURSES, target)
    result = ingest_file(target, settings)
    assert result["status"] in ("accepted", "partial")
    assert not target.exists()  # safe in the archive, gone from the inbox


def test_mixed_encodings_in_one_file_get_a_verdict_not_a_crash(settings: Settings, tmp_path: Path) -> None:
    data = COURSES.read_bytes()
    lines = data.split(b"\n")
    lines[1] = lines[1] + "æø".encode("cp1252")  # a Windows-1252 fragment inside UTF-8
    lines[2] = lines[2] + "å".encode()
    mixed = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    mixed.write_bytes(b"\n".join(lines))
    report = validate_file(mixed, settings, kommune="101")
    assert report.status in ("accepted", "partial", "rejected")
    assert report.rows_accepted + report.rows_rejected == report.rows_total


def test_formula_in_a_text_field_never_leaves_as_a_formula(settings: Settings, tmp_path: Path) -> None:
    from udbredelse.export.safe_csv import csv_bytes

    text = COURSES.read_text(encoding="utf-8").splitlines()
    header = text[0].split(";")
    row = text[1].split(";")
    row[header.index("forloeb_id")] = "=HYPERLINK(\"http://x\")"
    hostile = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    hostile.write_text("\n".join([text[0], ";".join(row), *text[2:]]) + "\n", encoding="utf-8")
    ingest_file(hostile, settings, kommune="101", source="upload")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        ids = [r[0] for r in con.execute("select forloeb_id from raw.courses").fetchall()]
    finally:
        con.close()
    import polars as pl

    exported = csv_bytes(pl.DataFrame({"forloeb_id": ids})).decode()
    assert "\n=HYPERLINK" not in exported and not exported.startswith("=")
    if "=HYPERLINK(\"http://x\")" in ids:  # accepted as an id: it must be neutralised on the way out
        assert "'=HYPERLINK" in exported


def test_header_only_snapshot_cannot_silently_wipe_courses(settings: Settings, tmp_path: Path) -> None:
    first = ingest_file(COURSES, settings, kommune="101", source="upload")
    assert first["rows_accepted"] > 0
    header_only = tmp_path / "101_MOVE_forloeb_2026-04-30.csv"
    header_only.write_text(COURSES.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    refused = ingest_file(header_only, settings, kommune="101", source="upload")
    assert refused["status"] == "held"
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        current = con.execute(
            "select count(*) from raw.files where file_type = 'courses' and status in ('accepted', 'partial')"
        ).fetchone()[0]
    finally:
        con.close()
    assert current == 1


def test_a_cpr_in_the_file_name_is_masked_everywhere(settings: Settings) -> None:
    from tests.reliability.leakscan import scan_home

    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "101_MOVE_forloeb_2026-03-31_borger_610190-1234.csv"
    shutil.copyfile(COURSES, target)
    report = validate_file(target, settings)
    assert "610190-1234" not in str(report.to_json())
    result = ingest_file(target, settings)
    assert "610190-1234" not in str(result)
    assert scan_home(settings.home_path, {"6101901234"}) == {}
