"""The ingest DAG's one task (`pipeline.ingest_batch`): every file lands with a verdict, poison entries are
moved aside unread, a crashing file is quarantined, and the summary carries ids and counts, never a name."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from udbredelse import pipeline, unattended
from udbredelse.settings import Settings

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
INVALID = Path(__file__).resolve().parents[1] / "fixtures" / "invalid"
CPR_DIGITS = re.compile(r"691005\D{0,3}4714")


def _put(settings: Settings, source: Path, relative: str | bytes) -> Path:
    root = os.fsencode(settings.inbox_dir)
    target = os.path.join(root, relative if isinstance(relative, bytes) else os.fsencode(relative))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)
    return Path(os.fsdecode(target))


def _manifest(settings: Settings) -> list[tuple[str, str]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("select original_name, status from raw.files order by original_name").fetchall()
    finally:
        con.close()


def test_every_file_gets_a_verdict_and_links_pipes_and_odd_names_never_block(settings: Settings) -> None:
    _put(settings, VALID / "101_MOVE_forloeb_2026-03-31.csv", "101/101_MOVE_forloeb_2026-03-31.csv")
    _put(settings, VALID / "101_MOVE_sessioner_2026-03-31.csv", "101/sessioner_borger_691005-4714.csv")
    _put(settings, VALID / "147_CTI_forloeb_2026-03-31.csv", b"147/147_CTI_forl\xe5b_2026-03-31.csv")  # cp1252 å
    _put(settings, INVALID / "missing_column__101_MOVE_forloeb_2026-03-31.csv", "101/101_MOVE_forloeb_2026-02-28.csv")
    secret = settings.home_path.parent / "secret.csv"
    secret.write_text("hemmelig;data\n611090-1234;x\n", encoding="utf-8")
    os.symlink(secret, settings.inbox_dir / "101" / "link.csv")
    os.symlink(secret.parent, settings.inbox_dir / "999")  # a symlinked municipality folder
    os.mkfifo(settings.inbox_dir / "101" / "pipe.csv")  # reading it would hang the task

    summary = pipeline.ingest_batch(settings)

    assert not any(settings.inbox_dir.rglob("*")) or all(p.is_dir() for p in settings.inbox_dir.rglob("*"))
    assert summary["by_status"]["accepted"] + summary["by_status"].get("partial", 0) == 2
    # the invalid file, the name that is not UTF-8 (ingest's verdict), three entries moved aside unread
    assert summary["by_status"]["rejected"] == 5
    assert summary["verdicts"] == 4 and summary["loaded"] == 2
    assert len(summary["moved_aside"]) == 3 and summary["failed"] == [] and summary["quarantined"] == []
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for ids in summary["file_ids"].values() for i in ids)
    text = json.dumps(summary, ensure_ascii=False)
    assert "csv" not in text and not CPR_DIGITS.search(text)  # ids and counts, never a name

    names = dict(_manifest(settings))
    assert names["147_CTI_forl\ufffdb_2026-03-31.csv"] == "rejected"  # ingest's verdict, as the CLI gives it
    assert "sessioner_borger_691005-xxxx.csv" in names
    assert not any(CPR_DIGITS.search(n) for n in names)

    # the links and the pipe were moved, not followed: nothing of the secret file was read or kept
    aside = sorted((settings.quarantine_dir / unattended.UNSAFE_FOLDER).iterdir())
    assert len(aside) == 3 and sum(p.is_symlink() for p in aside) == 2
    for entry_id in summary["moved_aside"]:
        assert os.path.lexists(settings.quarantine_dir / unattended.UNSAFE_FOLDER / f"{entry_id}.entry")
        report = json.loads((settings.reports_dir / f"{entry_id}.json").read_text(encoding="utf-8"))
        assert report["status"] == "rejected" and report["errors"][0]["message"].startswith(("Filen", "Mappen", "Posten"))
    for path in settings.home_path.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.suffix in (".json", ".bin", ".duckdb"):
            assert b"611090" not in path.read_bytes(), path


def test_a_file_that_crashes_the_reader_is_quarantined_and_the_rest_land(settings: Settings, monkeypatch) -> None:
    import udbredelse.ingest as ingest

    _put(settings, VALID / "101_MOVE_forloeb_2026-03-31.csv", "101/101_MOVE_forloeb_2026-03-31.csv")
    _put(settings, VALID / "147_CTI_forloeb_2026-03-31.csv", "147/147_CTI_forloeb_2026-03-31.csv")
    real_ingest_file = ingest.ingest_file

    def crashing_batch(*args, **kwargs):
        raise KeyError("a reader bug")

    def crashing_file(path, settings, **kwargs):
        if path.name.startswith("147"):
            raise ValueError("a reader bug")
        return real_ingest_file(path, settings, **kwargs)

    monkeypatch.setattr(ingest, "ingest_inbox", crashing_batch)
    monkeypatch.setattr(ingest, "ingest_file", crashing_file)
    summary = pipeline.ingest_batch(settings)

    assert summary["loaded"] == 1 and len(summary["quarantined"]) == 1
    file_id = next(p.stem for p in settings.quarantine_dir.glob("*.bin"))
    assert file_id.startswith(summary["quarantined"][0])
    report = json.loads((settings.reports_dir / f"{file_id}.json").read_text(encoding="utf-8"))
    assert "kunne ikke læses (ValueError)" in report["errors"][0]["message"]
    assert report["file"]["kommunekode"] == "147"
    assert not list(settings.inbox_dir.rglob("*.csv"))
    # encrypted: the quarantined bytes are not the file
    assert (VALID / "147_CTI_forloeb_2026-03-31.csv").read_bytes()[:40] not in (
        settings.quarantine_dir / f"{file_id}.bin").read_bytes()


def test_an_environment_error_fails_the_task_and_leaves_the_files(settings: Settings, monkeypatch) -> None:
    import udbredelse.ingest as ingest

    _put(settings, VALID / "101_MOVE_forloeb_2026-03-31.csv", "101/101_MOVE_forloeb_2026-03-31.csv")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest, "ingest_inbox", disk_full)
    with pytest.raises(OSError):
        pipeline.ingest_batch(settings)
    assert list(settings.inbox_dir.rglob("*.csv"))  # nothing quarantined for a machine problem


def test_a_verdict_shows_a_name_through_the_echo_rule(settings: Settings) -> None:
    os.symlink("/etc/passwd", os.path.join(os.fsencode(settings.inbox_dir), b"sessioner_691005 4714_\xe5\n.csv"))
    [entry_id] = pipeline.ingest_batch(settings)["moved_aside"]
    shown = json.loads((settings.reports_dir / f"{entry_id}.json").read_text(encoding="utf-8"))["file"]["name"]
    assert shown.encode("utf-8") and "\n" not in shown
    assert "691005-xxxx" in shown and "4714" not in shown


def test_the_cli_ingest_moves_links_aside_too(settings: Settings) -> None:
    """`udbredelse ingest` (pipeline.ingest) and the DAG land an inbox the same way: a link is never followed."""
    secret = settings.home_path.parent / "secret.csv"
    secret.write_text("hemmelig;data\n611090-1234;x\n", encoding="utf-8")
    os.makedirs(settings.inbox_dir / "101", exist_ok=True)
    os.symlink(secret, settings.inbox_dir / "101" / "101_MOVE_forloeb_2026-03-31.csv")
    assert pipeline.ingest(settings)["files"] == 0
    assert not list((settings.inbox_dir / "101").iterdir())
    assert len(list((settings.quarantine_dir / unattended.UNSAFE_FOLDER).iterdir())) == 1
    assert not list(settings.quarantine_dir.glob("*.bin"))  # nothing was read, so nothing was stored
