"""Faults survived: a killed ingest or build, rerun, ends like a clean run; writers are serialised."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from udbredelse import warehouse
from udbredelse.settings import get_settings

pytestmark = pytest.mark.slow

INDICATOR_SQL = (
    "select kommunekode, indsats, period_type, period, indicator, numerator, denominator, value, suppressed "
    "from marts.indicators order by all"
)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UDBREDELSE_")}
    env.update(UDBREDELSE_HOME=str(home), UDBREDELSE_MODE="demo")
    return env


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "udbredelse.cli", *args], env=_env(home),
                          capture_output=True, text=True, timeout=900)


def _killed_after(home: Path, seconds: float, *args: str) -> int:
    """Start the CLI, SIGKILL it after `seconds` (or let it finish first); return its exit code."""
    proc = subprocess.Popen([sys.executable, "-m", "udbredelse.cli", *args], env=_env(home),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


def _indicators(home: Path) -> list[tuple]:
    con = duckdb.connect(str(home / "published" / "udbredelse.duckdb"), read_only=True)
    try:
        return con.execute(INDICATOR_SQL).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from udbredelse.generate import generate

    folder = tmp_path_factory.mktemp("faults") / "generated"
    mp = pytest.MonkeyPatch()
    mp.setenv("UDBREDELSE_MODE", "demo")
    mp.setenv("UDBREDELSE_HOME", str(folder.parent / "unused"))
    try:
        generate(scale="S", out=folder, seed=11, settings=get_settings())
    finally:
        mp.undo()
    return folder


def _fresh_home(tmp_path: Path, generated: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(generated, home / "inbox", copy_function=shutil.copy2)  # copy2 keeps arrival mtimes
    return home


def test_killed_ingest_and_build_rerun_give_the_clean_result(tmp_path: Path, generated: Path) -> None:
    clean = _fresh_home(tmp_path / "clean", generated)
    assert _cli(clean, "ingest").returncode == 0
    build = _cli(clean, "build")
    assert build.returncode == 0, build.stderr[-2000:]
    expected = _indicators(clean)
    assert expected

    faulty = _fresh_home(tmp_path / "faulty", generated)
    _killed_after(faulty, 2.5, "ingest")           # killed mid-ingest
    assert _cli(faulty, "ingest").returncode == 0  # rerun picks up what is left
    _killed_after(faulty, 8.0, "build")            # killed mid-build: nothing half-published
    published = faulty / "published" / "udbredelse.duckdb"
    if published.exists():
        duckdb.connect(str(published), read_only=True).close()  # a whole file, never a torn copy
    rerun = _cli(faulty, "build")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _indicators(faulty) == expected


def test_two_writers_are_serialised_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDBREDELSE_HOME", str(tmp_path / "home"))
    settings = get_settings()
    with warehouse.writer_lock(settings):
        with pytest.raises(BlockingIOError):
            with warehouse.writer_lock(settings, wait=False):
                pass
        # a second process asking for the lock waits while we hold it
        code = (
            "import time;from udbredelse import warehouse;from udbredelse.settings import get_settings\n"
            "s=get_settings()\n"
            "print('ready', flush=True)\n"
            "with warehouse.writer_lock(s):\n    print('acquired', flush=True)\n"
        )
        proc = subprocess.Popen([sys.executable, "-c", code], env=_env(tmp_path / "home"),
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting for the lock
    out, _ = proc.communicate(timeout=30)
    assert out.strip() == "acquired"
    assert proc.returncode == 0


def test_a_reader_during_publish_sees_a_whole_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDBREDELSE_HOME", str(tmp_path / "home"))
    settings = get_settings()
    con = warehouse.connect(settings)
    con.execute("create schema marts; create table marts.t as select 1 as version")
    con.close()
    warehouse.publish(settings)
    reader = warehouse.connect_published(settings)  # an open reader keeps the old file
    con = warehouse.connect(settings)
    con.execute("create or replace table marts.t as select 2 as version")
    con.close()
    warehouse.publish(settings)
    assert reader.execute("select version from marts.t").fetchone()[0] == 1
    reader.close()
    fresh = warehouse.connect_published(settings)
    assert fresh.execute("select version from marts.t").fetchone()[0] == 2
    fresh.close()


def test_published_connection_is_read_only_without_external_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDBREDELSE_HOME", str(tmp_path / "home"))
    settings = get_settings()
    warehouse.connect(settings).close()
    warehouse.publish(settings)
    con = warehouse.connect_published(settings)
    with pytest.raises(duckdb.Error):
        con.execute("create table raw.x (a int)")
    with pytest.raises(duckdb.Error):
        con.execute("select * from read_csv('/etc/passwd')")
    con.close()
