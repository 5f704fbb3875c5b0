"""
### udbredelse_export — monthly indicator, quality and cohort exports

Runs on the first of each month (and on manual trigger). Every task calls the same function as
the matching `udbredelse export ...` command and writes into `$UDBREDELSE_HOME/exports/<date>/`,
where `<date>` is the run's date (`run_after`, so manual runs without a logical date work too):

| task | function | file |
|---|---|---|
| `export_indicators_analyst` | `udbredelse.pipeline.export_indicators(audience="analyst")` | `indikatorer_analytiker.csv` |
| `export_indicators_public` | `udbredelse.pipeline.export_indicators(audience="public")` | `indikatorer_offentlig.csv` |
| `export_quality` | `udbredelse.pipeline.export_quality` | `datakvalitet.csv` |
| `export_cohort` | `udbredelse.pipeline.export_cohort` | `kohorte/` (encrypted for the register recipient) |

Exports read the published read-only copy, never the warehouse, so they never wait for the
writer lock. Re-running a day's export overwrites that day's files (idempotent). Task results
are the export functions' small summaries (paths, row counts); the cohort's clear CPR stays inside
its encrypted file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import dag, task
from dag_defaults import default_args


def _export_dir(context: Any) -> Any:
    """`exports/<YYYY-MM-DD>/` for this run (the run's date; manual runs may have no logical date)."""
    from udbredelse.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    run_date = context["dag_run"].run_after.date().isoformat()
    out = settings.exports_dir / run_date
    out.mkdir(parents=True, exist_ok=True)
    return settings, out


def _json_safe(result: Any) -> Any:
    """The export functions' summaries, made JSON-safe for XCom (paths become strings)."""
    import json

    return json.loads(json.dumps(result, default=str))


DEFAULT_ARGS = default_args(
    "Eksport",
    "Tidligere eksporter er uændrede; kør opgaven igen, når fejlen er rettet.",
)


@dag(
    dag_id="udbredelse_export",
    schedule="@monthly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "export"],
    doc_md=__doc__,
)
def udbredelse_export() -> None:
    @task
    def export_indicators_analyst(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _json_safe(pipeline.export_indicators(settings, out / "indikatorer_analytiker.csv", audience="analyst"))

    @task
    def export_indicators_public(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _json_safe(pipeline.export_indicators(settings, out / "indikatorer_offentlig.csv", audience="public"))

    @task
    def export_quality(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _json_safe(pipeline.export_quality(settings, out / "datakvalitet.csv"))

    @task
    def export_cohort(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _json_safe(pipeline.export_cohort(settings, out / "kohorte"))

    export_indicators_analyst()
    export_indicators_public()
    export_quality()
    export_cohort()


udbredelse_export()
