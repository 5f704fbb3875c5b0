"""
### udbredelse_freshness — is what people read still fresh, and are deliveries coming in?

Every hour, two read-only checks on the published copy (no lock, no writes):

| task | red when | limit (catalog `operations:` in `udbredelse/catalog/common.yaml`) |
|---|---|---|
| `published_copy_fresh` | the published copy is missing or older than the limit | `published_max_age_hours` |
| `deliveries_on_time` | an expected delivery is missing longer than the limit past its deadline (`marts.dq_timeliness`, measured daily by `udbredelse_quality`) | `delivery_alert_days` |

A red check fails with `AirflowFailException` (not retried: the next hour checks again) and a Danish
message saying what and where; the failure callback mails the operators (`dag_defaults`). The
municipalities themselves get the reminders of `udbredelse_quality`; this check is for the people
who run the platform.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import dag, task
from dag_defaults import default_args

DEFAULT_ARGS = default_args(
    "Friskhedstjekket",
    "Se beskeden i opgavens log: den siger, hvad der er forældet eller mangler.",
    retries=1, retry_delay=timedelta(minutes=2), execution_timeout=timedelta(minutes=10),
)


@dag(
    dag_id="udbredelse_freshness",
    schedule="17 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "monitoring"],
    doc_md=__doc__,
)
def udbredelse_freshness() -> None:
    @task
    def published_copy_fresh(**context: Any) -> dict[str, Any]:
        from datetime import UTC

        from airflow.sdk.exceptions import AirflowFailException

        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        now = context["dag_run"].run_after.astimezone(UTC).replace(tzinfo=None)
        problems = pipeline.freshness_problems(get_settings(), now)
        if problems:
            raise AirflowFailException(" ".join(problems))
        return {"fresh": True}

    @task
    def deliveries_on_time() -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        overdue = pipeline.overdue_deliveries(get_settings())
        if overdue:
            shown = "; ".join(f"kommune {o['kommunekode']}, {o['indsats']} {o['period']}: {o['days_late']} dage"
                              for o in overdue[:15])
            raise AirflowFailException(
                f"{len(overdue)} forventet(e) indberetning(er) mangler langt over fristen: {shown}"
                f"{' …' if len(overdue) > 15 else ''}. Påmindelserne er sendt af udbredelse_quality; "
                "tag kontakt til kommunen."
            )
        return {"overdue": 0}

    published_copy_fresh()
    deliveries_on_time()


udbredelse_freshness()
