"""
### udbredelse_export — monthly indicator, quality and cohort exports

Runs on the first of each month at 06:00 UTC, after every quality run that found nothing
critical (asset `udbredelse://quality/checked`, so the first delivery is exported without anyone
triggering it), and on manual trigger. Every task calls the same function as
the matching `udbredelse export ...` command and writes into `$UDBREDELSE_HOME/exports/<date>/`,
where `<date>` is **the run's logical date** (a manual run without one: when it was due), the
same for every task of the run, however late the run actually executes:

| task | function | file |
|---|---|---|
| `check_published` | `udbredelse.pipeline.freshness_problems` | — |
| `export_indicators_analyst` | `udbredelse.pipeline.export_indicators(audience="analyst")` | `indikatorer_analytiker.csv` |
| `export_indicators_public` | `udbredelse.pipeline.export_indicators(audience="public")` | `indikatorer_offentlig.csv` |
| `export_quality` | `udbredelse.pipeline.export_quality` | `datakvalitet.csv` |
| `export_cohort` | `udbredelse.pipeline.export_cohort` | `kohorte/` (encrypted for the register recipient) |

`check_published` first checks that the published copy exists and fits the run's date: not older
than the catalog's `operations.published_max_age_hours` before it (the transformation stopped), and
not more than that after it (a backfill of an old date would write today's figures into an old
folder). Either is a deterministic failure: `AirflowFailException`, no retries, a Danish message,
and no export task runs. The same for an export function's own "no published copy" error.

Exports read the published read-only copy, never the warehouse, so they never wait for the
writer lock. Re-running a day's export overwrites that day's files (idempotent). Task results
are the export functions' small summaries (paths, row counts); the cohort's clear CPR stays inside
its encrypted file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from dag_defaults import default_args

CHECKED = Asset("udbredelse://quality/checked")


def _run_moment(context: Any) -> datetime:
    """The moment the run stands for (naive UTC): its logical date, or when it was due."""
    run = context["dag_run"]
    moment = run.logical_date or run.run_after
    return moment.astimezone(UTC).replace(tzinfo=None)


def _export_dir(context: Any) -> Any:
    """`exports/<YYYY-MM-DD>/` of the run's logical date (the same folder for every task of the run)."""
    from udbredelse.settings import get_settings

    settings = get_settings()
    settings.ensure_dirs()
    out = settings.exports_dir / _run_moment(context).date().isoformat()
    out.mkdir(parents=True, exist_ok=True)
    return settings, out


def _export(call: Any) -> Any:
    """Run an export; a missing published copy or a bad setting cannot succeed on retry."""
    from airflow.sdk.exceptions import AirflowFailException

    from udbredelse.settings import SettingsError

    try:
        return _json_safe(call())
    except SettingsError as exc:
        raise AirflowFailException(str(exc)) from None


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
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 6 1 * *", timezone="UTC"), assets=[CHECKED]),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "export"],
    doc_md=__doc__,
)
def udbredelse_export() -> None:
    @task
    def check_published(**context: Any) -> dict[str, Any]:
        """The published copy exists and fits the run's date; otherwise fail at once (no retry)."""
        from airflow.sdk.exceptions import AirflowFailException

        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        moment = _run_moment(context)
        problems = pipeline.freshness_problems(get_settings(), moment, allow_newer=False)
        if problems:
            raise AirflowFailException(" ".join(problems))
        return {"run_date": moment.date().isoformat()}

    @task
    def export_indicators_analyst(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _export(lambda: pipeline.export_indicators(settings, out / "indikatorer_analytiker.csv", audience="analyst"))

    @task
    def export_indicators_public(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _export(lambda: pipeline.export_indicators(settings, out / "indikatorer_offentlig.csv", audience="public"))

    @task
    def export_quality(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _export(lambda: pipeline.export_quality(settings, out / "datakvalitet.csv"))

    @task
    def export_cohort(**context: Any) -> dict[str, Any]:
        from udbredelse import pipeline

        settings, out = _export_dir(context)
        return _export(lambda: pipeline.export_cohort(settings, out / "kohorte"))

    check_published() >> [export_indicators_analyst(), export_indicators_public(), export_quality(), export_cohort()]


udbredelse_export()
