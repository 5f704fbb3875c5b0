"""The embedded worker: closes the upload loop when there is no Airflow.

`udbredelse dashboard` starts it as its own process (never inside Streamlit). It watches the inbox
and the confirmed held files; when something waits it ingests and refreshes the marts through
`udbredelse.pipeline` (which takes the warehouse writer lock), then marks the upload receipts
"tallene er opdateret". Under Airflow the ingest DAG does this job and the worker is switched off
(`UDBREDELSE_WORKER=0` or `udbredelse dashboard --no-worker`).

Only one worker runs per data home (a non-blocking flock on `worker.lock`); a second one exits.
Results are logged as counts only: no file contents, no CPR.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from udbredelse.settings import Settings, get_settings

log = logging.getLogger("udbredelse.worker")
POLL_SECONDS = 1.0       # how often the inbox is looked at (a directory listing: cheap)
RETRY_SECONDS = 30.0     # after a failed refresh (e.g. a dbt error), before trying again
LOADED = ("accepted", "partial")


def pending(settings: Settings) -> bool:
    """Is there anything to ingest: a waiting inbox file or a confirmed held file?"""
    from udbredelse import pipeline
    from udbredelse.ingest import held

    return bool(pipeline.waiting_files(settings) or held.confirmed_waiting(settings))


def run_once(settings: Settings) -> dict[str, Any] | None:
    """Ingest what waits; when anything was loaded, refresh the marts and publish. None: nothing waited."""
    from udbredelse import pipeline
    from udbredelse.ingest import receipts

    if not pending(settings):
        return None
    ingested = pipeline.ingest(settings)
    summary: dict[str, Any] = {"files": ingested["files"], "by_status": ingested["by_status"], "refreshed": False}
    if any(status in LOADED for status in ingested["by_status"]):
        refreshed = pipeline.refresh(settings)  # files that arrived meanwhile go in too
        summary["files"] += refreshed["files"]
        summary["refreshed"] = True
        summary["published"] = receipts.mark_published(settings)
    log.info("worker: %d fil(er) %s; tal opdateret: %s", summary["files"], summary["by_status"], summary["refreshed"])
    return summary


def run(settings: Settings, stop: threading.Event, poll: float = POLL_SECONDS) -> None:
    """Loop until `stop` is set (or the dashboard that started it is gone). A failure is logged and
    retried later; the loop never dies of it."""
    parent = os.getppid()
    while not stop.is_set() and os.getppid() == parent:
        try:
            run_once(settings)
        except Exception as exc:  # noqa: BLE001 - the worker outlives a bad refresh; the cause is logged
            log.error("worker: kørslen fejlede (%s: %s); prøver igen om %d s", type(exc).__name__,
                      str(exc)[:300], RETRY_SECONDS)
            stop.wait(RETRY_SECONDS)
            continue
        stop.wait(poll)


def _lock(settings: Settings) -> Any:
    path = settings.home_path / "worker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _warm_up() -> None:
    """Import what a run needs once, at start (a long-lived worker, like a service): the first upload
    then does not wait for Python to load dbt, pandera and polars."""
    import importlib

    for module in ("udbredelse.pipeline", "udbredelse.ingest", "udbredelse.transform", "dbt.cli.main"):
        try:
            importlib.import_module(module)
        except ImportError as exc:  # a run will report it properly
            log.warning("worker: %s kunne ikke indlæses (%s)", module, exc)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    settings.check()
    settings.ensure_dirs()
    lock = _lock(settings)
    if lock is None:
        log.info("worker: en anden worker kører allerede for %s", settings.home_path)
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    _warm_up()
    (settings.home_path / "worker.ready").write_text(str(os.getpid()), encoding="utf-8")
    log.info("worker: kører (pid %d), holder øje med %s", os.getpid(), settings.inbox_dir)
    try:
        run(settings, stop, float(os.environ.get("UDBREDELSE_WORKER_POLL", POLL_SECONDS)))
    finally:
        (settings.home_path / "worker.ready").unlink(missing_ok=True)
        lock.close()
    return 0


def enabled() -> bool:
    return os.environ.get("UDBREDELSE_WORKER", "1").strip().lower() not in ("0", "false", "no", "off")


def start() -> subprocess.Popen[bytes]:
    """Start the worker as its own process (same environment, so the same data home)."""
    return subprocess.Popen([sys.executable, "-m", "udbredelse.worker"])  # noqa: S603 - our own module


def wait_ready(settings: Settings, process: subprocess.Popen[bytes], timeout: float = 120.0) -> bool:
    """Until the worker has imported and is watching (for tests and the bench)."""
    deadline = time.monotonic() + timeout
    ready = settings.home_path / "worker.ready"
    while time.monotonic() < deadline:
        if ready.is_file() and ready.read_text(encoding="utf-8").strip() == str(process.pid):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":  # pragma: no cover - run as `python -m udbredelse.worker`
    raise SystemExit(main())
