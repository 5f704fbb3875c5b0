"""Run the dbt project (dbt/) against the warehouse with dbt's programmatic runner."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from udbredelse.settings import Settings

DUCKDB_PATH_ENV = "UDBREDELSE_DBT_DUCKDB_PATH"
THREADS_ENV = "UDBREDELSE_DBT_THREADS"
FAILING_STATUSES = {"error", "fail", "runtime error", "skipped"}


def dbt_args(settings: Settings, command: str = "build", select: str | list[str] | None = None) -> list[str]:
    """The dbt command line for this data home: project, profile, target and log folders, threads."""
    args = [
        command,
        "--project-dir", str(settings.dbt_project_dir),
        "--profiles-dir", str(settings.dbt_project_dir),
        "--target-path", str(settings.dbt_target_dir),
        "--log-path", str(settings.logs_dir / "dbt"),
        "--threads", str(settings.dbt_threads),
        "--no-use-colors",
        "--no-version-check",
        "--no-send-anonymous-usage-stats",
        "--quiet",
    ]
    if select:
        selectors = [select] if isinstance(select, str) else list(select)
        args += ["--select", *selectors]
    return args


def run_dbt_build(settings: Settings, select: str | list[str] | None = None) -> dict[str, Any]:
    """`dbt build` (models, tests, unit tests) on settings.warehouse_path; raise naming what failed.

    Returns {summary, counts (per status), nodes, elapsed_seconds}. The caller holds the writer lock.
    """
    from dbt.cli.main import dbtRunner

    settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    (settings.logs_dir / "dbt").mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in (DUCKDB_PATH_ENV, THREADS_ENV)}
    os.environ[DUCKDB_PATH_ENV] = str(settings.warehouse_path)
    os.environ[THREADS_ENV] = str(settings.dbt_threads)
    started = time.monotonic()
    try:
        result = dbtRunner().invoke(dbt_args(settings, "build", select))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    elapsed = round(time.monotonic() - started, 2)

    if result.exception is not None:
        raise RuntimeError(f"dbt build kunne ikke køre: {type(result.exception).__name__}: {result.exception}")
    node_results = list(result.result or [])
    counts = Counter(str(getattr(r.status, "value", r.status)) for r in node_results)
    failures = [
        f"{r.node.unique_id} ({getattr(r.status, 'value', r.status)}): {_first_line(r.message)}"
        for r in node_results
        if str(getattr(r.status, "value", r.status)) in FAILING_STATUSES
    ]
    if failures or not result.success:
        shown = "; ".join(failures[:20]) + (f"; … og {len(failures) - 20} flere" if len(failures) > 20 else "")
        raise RuntimeError(f"dbt build fejlede ({len(failures)} noder): {shown or 'ukendt fejl'}")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return {
        "summary": f"dbt build ok på {elapsed} s: {summary}",
        "counts": dict(counts),
        "nodes": len(node_results),
        "elapsed_seconds": elapsed,
    }


def _first_line(message: object) -> str:
    text = str(message or "").strip()
    return text.splitlines()[0][:300] if text else ""
