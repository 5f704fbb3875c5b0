"""`udbredelse bench`'s orchestration figure: the Airflow ingest DAG over the same files as the CLI.

`airflow_ingest` copies the bench's untouched snapshot of the inbox into a fresh data home and runs
`udbredelse_ingest` with `dag.test()` (the real DAG file, its real task, a real SQLite metadata DB
migrated beforehand in a temporary AIRFLOW_HOME) in a subprocess: Airflow reads its configuration
once, at import, so it gets its own interpreter. The figure is the wall time of `dag.test()` alone
(the migration and the interpreter start are reported apart), the same span `ingest_s` covers for
the CLI's `pipeline.ingest`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from udbredelse.settings import PROJECT_ROOT

DAG_ID = "udbredelse_ingest"

_RUNNER = r"""
import json, sys, time
dags = sys.argv[1]
sys.path.append(dags)  # as Airflow's DAG bundle does (the DAGs import dag_defaults)
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=dags).dags[sys.argv[2]]
for t in dag.tasks:
    t.retries = 0
started = time.perf_counter()
run = dag.test()
seconds = time.perf_counter() - started
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
with create_session() as session:
    value = session.query(XComModel.value).filter(
        XComModel.dag_id == dag.dag_id, XComModel.run_id == run.run_id,
        XComModel.task_id == "ingest_waiting_files", XComModel.key == "return_value").scalar()
print("RESULT " + json.dumps({"seconds": seconds, "state": str(run.state), "summary": value}, default=str))
"""


def airflow_ingest(snapshot: Path, cli_ingest_s: float | None = None, timeout: int = 3600) -> dict[str, Any]:
    """Run the ingest DAG over a copy of `snapshot` (an inbox); {'airflow_ingest_s', 'airflow_ingest_files',
    'airflow_ingest_state', 'airflow_db_migrate_s', 'airflow_vs_cli_ingest'}."""
    work = Path(tempfile.mkdtemp(prefix="udbredelse-bench-airflow-"))
    try:
        home, airflow_home = work / "home", work / "airflow"
        airflow_home.mkdir(parents=True)
        shutil.copytree(snapshot, home / "inbox")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UDBREDELSE_", "AIRFLOW"))}
        env.update({
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "UDBREDELSE_HOME": str(home),
            "UDBREDELSE_MODE": os.environ.get("UDBREDELSE_MODE", "demo"),
        })
        for name in ("UDBREDELSE_PSEUDONYM_KEY", "UDBREDELSE_VAULT_KEY", "UDBREDELSE_DBT_THREADS"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True,
                       capture_output=True, timeout=timeout)
        migrate_s = time.perf_counter() - started
        proc = subprocess.run([sys.executable, "-c", _RUNNER, str(PROJECT_ROOT / "dags"), DAG_ID], env=env,
                              capture_output=True, text=True, timeout=timeout)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"ingest-DAG'en kunne ikke køres (exit {proc.returncode}): "
                               + (proc.stderr or proc.stdout)[-2000:])
        outcome = json.loads(line[len("RESULT "):])
        summary = outcome["summary"] if isinstance(outcome["summary"], dict) else json.loads(outcome["summary"] or "{}")
        result = {
            "airflow_ingest_s": round(outcome["seconds"], 2),
            "airflow_ingest_files": summary.get("files"),
            "airflow_ingest_state": outcome["state"],
            "airflow_db_migrate_s": round(migrate_s, 2),
        }
        if cli_ingest_s:
            result["airflow_vs_cli_ingest"] = round(outcome["seconds"] / cli_ingest_s, 2)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
