"""Run the dbt project (dbt/) against the warehouse with dbt's programmatic runner."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import Counter
from typing import Any

from udbredelse.settings import Settings

DUCKDB_PATH_ENV = "UDBREDELSE_DBT_DUCKDB_PATH"
THREADS_ENV = "UDBREDELSE_DBT_THREADS"
FAILING_STATUSES = {"error", "fail", "runtime error"}


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
        _release_duckdb()
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
        shown = "; ".join(failures[:10]) + (f"; … og {len(failures) - 10} flere" if len(failures) > 10 else "")
        skipped = counts.get("skipped", 0)
        raise RuntimeError(
            f"dbt build fejlede i {len(failures)} node(r): {shown or 'ukendt fejl'}"
            + (f" ({skipped} efterfølgende noder sprunget over)" if skipped else "")
        )
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return {
        "summary": f"dbt build ok på {elapsed} s: {summary}",
        "counts": dict(counts),
        "nodes": len(node_results),
        "elapsed_seconds": elapsed,
    }


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    dbt-duckdb caches one environment (and its open database) per process for reuse; left open it
    holds the warehouse file, so the next reader in the process (publish, quality checks, tests)
    could not open it with another configuration. There is no public API for this, hence the
    private attribute, guarded.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        with contextlib.suppress(Exception):
            environment.close()
    gc.collect()


def _first_line(message: object) -> str:
    text = str(message or "").strip()
    return text.splitlines()[0][:300] if text else ""
