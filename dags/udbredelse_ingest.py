"""
### udbredelse_ingest — load the files waiting in the inbox

Every 2 minutes (a municipality's confirmed upload reaches the numbers within minutes; a run
with nothing waiting costs one short task), one task lands **every** file waiting in `$UDBREDELSE_HOME/inbox/<kommunekode>/`
and `inbox/register/` the way `udbredelse ingest` does (`udbredelse.pipeline.ingest_batch`: the
same `ingest_inbox`, in its batches, reporting date then arrival order), with a verdict per file
inside the task. No mapped task per file, so there is no map-length ceiling and no per-file task
overhead: the go-live batch of a whole country is one task.

- A rejected file is a normal outcome (status `rejected`, Danish report in `reports/`).
- A symbolic link, a named pipe or a symlinked folder is never read: it is moved to
  `quarantine/ulaeselige/` with a Danish verdict. A file whose name is not UTF-8 gets ingest's
  verdict (rejected, "Filnavnet indeholder tegn, der ikke kan læses"), like the CLI gives it.
- A file that makes the reader crash is quarantined (encrypted) with a verdict; the others land.
- Files that could not be *stored* (disk full, permissions) stay in the inbox: `check_failed_files`
  then fails the run, naming file ids and municipalities, after the rest was announced.

`announce_raw` emits the asset `udbredelse://warehouse/raw` when any file got a verdict (accepted,
partial **or rejected**: a rejected file changes the municipality's data-quality feedback), which
schedules `udbredelse_transform`.

Task results (XCom) carry file ids (12 hex digits of the sha256) and counts, never a file name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, dag, task
from dag_defaults import default_args

RAW = Asset("udbredelse://warehouse/raw")


DEFAULT_ARGS = default_args(
    "Indlæsning",
    "Filerne bliver liggende i indbakken og prøves igen ved næste kørsel; se opgavens log.",
    retry_delay=timedelta(minutes=2), execution_timeout=timedelta(hours=1),
)


@dag(
    dag_id="udbredelse_ingest",
    schedule="*/2 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "ingest"],
    doc_md=__doc__,
)
def udbredelse_ingest() -> None:
    @task
    def ingest_waiting_files() -> dict[str, Any]:
        """Every waiting file, one verdict each; counts and file ids (no names) as the result."""
        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        return pipeline.ingest_batch(get_settings())

    @task(outlets=[RAW])
    def announce_raw(summary: dict[str, Any]) -> dict[str, Any]:
        """Emit the raw asset when a file got a verdict (a skipped task emits no asset event)."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not summary.get("verdicts"):
            raise AirflowSkipException("Ingen nye filer med en afgørelse: transformationen startes ikke.")
        return {"files_with_verdict": summary["verdicts"], "loaded": summary.get("loaded", 0)}

    @task
    def check_failed_files(summary: dict[str, Any]) -> dict[str, Any]:
        """Red only for what an operator must act on: files that could not be stored and still wait."""
        from airflow.sdk.exceptions import AirflowFailException

        failed = summary.get("failed") or []
        if failed:
            where = ", ".join(f"{f['file_id']} (kommune {f.get('kommunekode') or 'ukendt'})" for f in failed[:20])
            raise AirflowFailException(
                f"{len(failed)} fil(er) kunne ikke gemmes og ligger stadig i indbakken: {where}"
                f"{' …' if len(failed) > 20 else ''}. Tjek diskplads og rettigheder i datamappen "
                "(archive/, quarantine/, warehouse/); filerne prøves igen ved næste kørsel."
            )
        return {"files": summary.get("files", 0), "by_status": summary.get("by_status", {})}

    summary = ingest_waiting_files()
    announce_raw(summary)
    check_failed_files(summary)


udbredelse_ingest()
