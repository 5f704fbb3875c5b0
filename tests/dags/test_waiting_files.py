"""The ingest DAG's listing: inbox-relative names only, oldest arrival first, nothing outside the inbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from udbredelse import pipeline
from udbredelse.settings import Settings


def _touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("kommunekode;indsats\n", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_waiting_files_lists_relative_names_in_ingest_order(settings: Settings) -> None:
    """Reporting date from the name first, then arrival (mtime): the order ingest_inbox uses."""
    inbox = settings.inbox_dir
    _touch(inbox / "101" / "101_MOVE_forloeb_2026-03-31.csv", 3_000)
    _touch(inbox / "851" / "851_MOVE_forloeb_2026-03-31.XLSX", 1_000)
    _touch(inbox / "register" / "register_2026-03-31.csv", 2_000)
    _touch(inbox / "851" / "851_MOVE_forloeb_2026-02-28.csv", 9_000)  # earlier period, arrived last
    _touch(inbox / "101" / ".101_MOVE_forloeb_2026-04-30.csv", 500)  # hidden: upload in progress
    _touch(inbox / "101" / "~$101_MOVE_forloeb_2026-04-30.xlsx", 500)  # Excel lock file
    _touch(inbox / "101" / "noter.pdf", 500)  # any file type gets a verdict (rejected with a Danish message)
    _touch(inbox / "101" / "sub" / "deep_2026-01-31.csv", 500)  # too deep: not waiting
    _touch(inbox / "loose_2026-03-31.csv", 2_500)  # loose in the root: ingest rejects it with a report

    assert pipeline.waiting_files(settings) == [
        "851/851_MOVE_forloeb_2026-02-28.csv",
        "851/851_MOVE_forloeb_2026-03-31.XLSX",
        "register/register_2026-03-31.csv",
        "loose_2026-03-31.csv",
        "101/101_MOVE_forloeb_2026-03-31.csv",
        "101/noter.pdf",  # no reporting date in the name: last
    ]


def test_missing_file_is_reported_not_raised(settings: Settings) -> None:
    result = pipeline.ingest_waiting_file(settings, "101/101_MOVE_forloeb_2026-03-31.csv")
    assert result["status"] == "missing" and result["name"] == "101/101_MOVE_forloeb_2026-03-31.csv"


def test_waiting_files_without_inbox_is_empty(settings: Settings, tmp_path: Path) -> None:
    assert pipeline.waiting_files(settings, inbox=tmp_path / "none") == []


@pytest.mark.parametrize("name", ["../x.csv", "101/../../x.csv", "/etc/passwd", "101/sub/deep.csv"])
def test_ingest_waiting_file_refuses_names_outside_the_inbox(settings: Settings, name: str) -> None:
    with pytest.raises(ValueError, match="Ugyldigt filnavn"):
        pipeline.ingest_waiting_file(settings, name)
