"""Run the DAGs end to end with `dag.test()` in a fresh interpreter (called by test_dags_e2e.py).

Airflow reads its configuration once, at import; running in a subprocess lets the test give it a
temporary AIRFLOW_HOME and SQLite metadata DB through the environment. Usage:

    python tests/dags/run_dags_e2e.py OUT.json [--no-generate]

Generates S-scale demo data into $UDBREDELSE_HOME/inbox (unless --no-generate), then runs
udbredelse_ingest, udbredelse_transform and udbredelse_quality (in that order, as the raw asset
would trigger them), udbredelse_export, then udbredelse_ingest once more (nothing waiting). Writes a JSON summary:
per run the state, task states and return values, and the asset events recorded.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

DAG_ORDER = ("udbredelse_ingest", "udbredelse_transform", "udbredelse_quality", "udbredelse_export", "udbredelse_ingest")


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    generate = "--no-generate" not in argv

    from udbredelse.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    summary: dict = {"runs": []}
    if generate:
        from udbredelse.generate import generate as make_demo_data

        started = time.perf_counter()
        summary["generated"] = make_demo_data(scale="S", out=settings.inbox_dir, seed=42, settings=settings)
        summary["generate_seconds"] = round(time.perf_counter() - started, 1)
    summary["kommuner_in_inbox"] = sorted(
        p.name for p in settings.inbox_dir.iterdir() if p.is_dir() and p.name != "register"
    )

    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dags_folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    if dags_folder not in sys.path:  # as Airflow's DAG bundle does (the DAGs import dag_defaults)
        sys.path.append(dags_folder)
    dagbag = DagBag(dag_folder=dags_folder)
    if dagbag.import_errors:
        raise SystemExit(f"import errors: {dagbag.import_errors}")

    for dag in dagbag.dags.values():  # fail fast: dag.test() would sit out each retry_delay
        for t in dag.tasks:
            t.retries = 0
    for dag_id in DAG_ORDER:
        started = time.perf_counter()
        dag_run = dagbag.dags[dag_id].test()
        seconds = round(time.perf_counter() - started, 1)
        with create_session() as session:
            tis = dag_run.get_task_instances(session=session)
            xcoms = session.query(XComModel).filter(
                XComModel.dag_id == dag_id, XComModel.run_id == dag_run.run_id, XComModel.key == "return_value"
            ).all()
            summary["runs"].append({
                "dag_id": dag_id,
                "run_id": dag_run.run_id,
                "state": str(dag_run.state),
                "seconds": seconds,
                "tasks": [
                    {"task_id": ti.task_id, "map_index": ti.map_index, "state": str(ti.state),
                     "label": ti.rendered_map_index}
                    for ti in sorted(tis, key=lambda t: (t.task_id, t.map_index))
                ],
                "xcom": [
                    {"task_id": x.task_id, "map_index": x.map_index, "value": x.value}
                    for x in sorted(xcoms, key=lambda x: (x.task_id, x.map_index))
                ],
            })
    with create_session() as session:
        rows = session.query(AssetModel.uri, AssetEvent.source_dag_id, AssetEvent.source_run_id).join(
            AssetEvent, AssetEvent.asset_id == AssetModel.id
        ).all()
        summary["asset_events"] = [{"uri": u, "dag_id": d, "run_id": r} for u, d, r in rows]

    out.write_text(json.dumps(summary, default=str, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
