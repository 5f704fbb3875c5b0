"""
### udbredelse_ingest — load the files waiting in the inbox

Every 15 minutes: list the files waiting in `$UDBREDELSE_HOME/inbox/<kommunekode>/` and
`inbox/register/`, then ingest **one mapped task per file** (`udbredelse.ingest.ingest_file`,
the same function as `udbredelse ingest`), so one bad file never blocks the rest. A rejected file
is a normal outcome (status `rejected`, Danish report in `reports/`); a task fails only on an
unexpected error, and is retried.

When at least one file was loaded (`accepted` or `partial`), the task `announce_raw` emits the
asset `udbredelse://warehouse/raw`, which schedules `udbredelse_transform`.

Task results (XCom) are small summaries: file name, file id, type, municipality, status and row
counts. Never file contents, never a CPR.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, TriggerRule, dag, task
from dag_defaults import default_args

RAW = Asset("udbredelse://warehouse/raw")
LOADED_STATUSES = ("accepted", "partial")


DEFAULT_ARGS = default_args(
    "Indlæsning",
    "Filen bliver liggende i indbakken og prøves igen ved næste kørsel; se opgavens log.",
    retry_delay=timedelta(minutes=2), execution_timeout=timedelta(minutes=20),
)


@dag(
    dag_id="udbredelse_ingest",
    schedule="*/15 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "ingest"],
    doc_md=__doc__,
)
def udbredelse_ingest() -> None:
    @task
    def list_waiting_files() -> list[str]:
        """Names of the waiting files relative to the inbox (e.g. `101/101_MOVE_forloeb_2026-03-31.csv`)."""
        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        return pipeline.waiting_files(get_settings())

    # One writer at a time: ingest takes the warehouse writer lock itself; running the mapped
    # files one after another also keeps their arrival order.
    @task(max_active_tis_per_dagrun=1, map_index_template="{{ file_name }}")
    def ingest_file(name: str) -> dict[str, Any]:
        from airflow.sdk import get_current_context

        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        get_current_context()["file_name"] = name  # type: ignore[typeddict-unknown-key]
        return pipeline.ingest_waiting_file(get_settings(), name)

    @task(outlets=[RAW], trigger_rule=TriggerRule.ALL_DONE)
    def announce_raw(results: list[dict[str, Any]]) -> dict[str, Any]:
        """Emit the raw asset only when something new was loaded (a skipped task emits no asset event)."""
        from airflow.sdk.exceptions import AirflowSkipException

        loaded = [r["name"] for r in results if r and r.get("status") in LOADED_STATUSES]
        if not loaded:
            raise AirflowSkipException("Ingen nye data indlæst: transformationen startes ikke.")
        return {"loaded_files": len(loaded)}

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def summarise(names: list[str], results: list[dict[str, Any]]) -> dict[str, Any]:
        """Count the outcomes; fail (after everything else ran) when a file's task crashed."""
        from airflow.sdk.exceptions import AirflowFailException

        finished = [r for r in results if r]
        by_status: dict[str, int] = {}
        for result in finished:
            by_status[result["status"]] = by_status.get(result["status"], 0) + 1
        missing = sorted(set(names) - {r["name"] for r in finished})
        if missing:
            raise AirflowFailException(
                f"{len(missing)} fil(er) kunne ikke behandles og ligger stadig i indbakken: {', '.join(missing)}"
            )
        return {"files": len(finished), "by_status": by_status}

    names = list_waiting_files()
    results = ingest_file.expand(name=names)
    announce_raw(results)
    summarise(names, results)


udbredelse_ingest()
