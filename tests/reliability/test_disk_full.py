"""Disk full: ingest fails cleanly, nothing is lost from the inbox, and a retry with space succeeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

COUNT_SQL = "select file_type, status, count(*), sum(rows_accepted) from raw.files group by all order by all"


def _mount_tmpfs(target: Path, size: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


def _ingest(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UDBREDELSE_")}
    env.update(UDBREDELSE_HOME=str(home), UDBREDELSE_MODE="demo")
    return subprocess.run([sys.executable, "-m", "udbredelse.cli", "ingest"], env=env, capture_output=True,
                          text=True, timeout=600)


def _inbox_files(home: Path) -> set[str]:
    return {str(p.relative_to(home / "inbox")) for p in (home / "inbox").rglob("*") if p.is_file()}


def test_ingest_on_a_full_disk_loses_nothing_and_a_retry_succeeds(tmp_path: Path) -> None:
    from udbredelse.generate import generate
    from udbredelse.settings import get_settings

    generated = tmp_path / "generated"
    os.environ.setdefault("UDBREDELSE_MODE", "demo")
    generate(scale="S", out=generated, seed=3, settings=get_settings(home=tmp_path / "unused"))

    clean = tmp_path / "clean"
    shutil.copytree(generated, clean / "inbox", copy_function=shutil.copy2)
    assert _ingest(clean).returncode == 0
    con = duckdb.connect(str(clean / "warehouse" / "udbredelse.duckdb"), read_only=True)
    expected = con.execute(COUNT_SQL).fetchall()
    con.close()

    home = tmp_path / "tiny"
    if not _mount_tmpfs(home, "2m"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        shutil.copytree(generated, home / "inbox", copy_function=shutil.copy2)
        waiting = _inbox_files(home)
        full = _ingest(home)
        # a clean failure: a non-zero exit, files reported as not stored (never as rejected by the checks)
        assert full.returncode != 0
        assert "rejected" not in full.stdout
        assert "failed" in full.stdout
        assert "Traceback" not in full.stderr
        # every file not safely stored is still waiting in the inbox
        con_ok = (home / "warehouse" / "udbredelse.duckdb").exists()
        still_waiting = _inbox_files(home)
        assert still_waiting, "a failed ingest must leave the unprocessed files in the inbox"
        assert still_waiting <= waiting

        subprocess.run(["mount", "-o", "remount,size=512m", str(home)], check=True)
        retry = _ingest(home)
        assert retry.returncode == 0, retry.stderr[-2000:]
        assert _inbox_files(home) == set()
        con = duckdb.connect(str(home / "warehouse" / "udbredelse.duckdb"), read_only=True)
        got = con.execute(COUNT_SQL).fetchall()
        con.close()
        assert got == expected, f"warehouse existed after the failure: {con_ok}"
    finally:
        subprocess.run(["umount", "-l", str(home)], capture_output=True)
