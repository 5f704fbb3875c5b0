"""The embedded worker's decisions (fast: no dbt). The full loop — upload, worker, refreshed figure in
the browser — is tests/dashboard/test_dashboard_upload_browser.py."""

from __future__ import annotations

import subprocess
import sys

from helpers import move_file, move_row

from udbredelse import worker
from udbredelse.ingest import ingest_inbox, receipts


def _cpr(i: int) -> str:
    return f"{61 + i % 28:02d}0190-{1000 + i:04d}"


def test_nothing_waiting_means_nothing_runs(settings) -> None:
    assert worker.run_once(settings) is None


def test_a_rejected_or_held_file_does_not_refresh(settings, monkeypatch) -> None:
    from udbredelse import pipeline

    def no_refresh(*_a, **_k):  # a refresh here would be a defect: nothing new was loaded
        raise AssertionError("refresh without loaded data")

    monkeypatch.setattr(pipeline, "refresh", no_refresh)
    (settings.inbox_dir / "101").mkdir(parents=True, exist_ok=True)
    (settings.inbox_dir / "101" / "101_MOVE_forloeb_2026-03-31.csv").write_text("noget;andet\n1;2\n", encoding="utf-8")
    summary = worker.run_once(settings)
    assert summary == {"files": 1, "by_status": {"rejected": 1}, "refreshed": False}
    # a held snapshot: the current numbers stay, no refresh
    (settings.inbox_dir / "101" / "101_MOVE_forloeb_2026-04-30.csv").write_bytes(
        move_file([move_row(f"F{i:03d}", _cpr(i)) for i in range(30)]))
    ingest_inbox(settings)
    from udbredelse import pipeline as front

    front.submit_upload(settings, "101", "101_MOVE_forloeb_2026-05-31.csv", move_file([move_row("F000", _cpr(0))]))
    summary = worker.run_once(settings)
    assert summary["by_status"] == {"held": 1} and not summary["refreshed"]
    assert worker.run_once(settings) is None  # held without confirmation: nothing waits
    from udbredelse import pipeline as front

    [receipt] = front.upload_receipts(settings, "101")
    assert set(receipts.states(receipt)) == {"received", "checked", "held"}
    assert receipt["status"] == "afventer bekræftelse"


def test_one_worker_per_data_home(settings, monkeypatch) -> None:
    monkeypatch.setenv("UDBREDELSE_HOME", str(settings.home_path))
    lock = worker._lock(settings)
    assert lock is not None
    try:
        done = subprocess.run([sys.executable, "-m", "udbredelse.worker"], capture_output=True, timeout=120,  # noqa: S603
                              text=True, check=False)
        assert done.returncode == 0 and "en anden worker kører allerede" in done.stderr
    finally:
        lock.close()
