"""
### udbredelse_quality — daily data-quality run, timeliness and reminders

Daily at 05:30 UTC (after the 05:00–05:15 ingest runs have had the writer lock), and whenever
`udbredelse_transform` published new marts (asset `udbredelse://warehouse/marts`), so a first ingest
leads to transform, quality and export with no hand-triggering:

1. `run_quality_suites` — `udbredelse.pipeline.quality` (same as the quality step of
   `udbredelse build`): the Great Expectations suites on the marts, results persisted,
   Data Docs rendered to `$UDBREDELSE_HOME/quality/data_docs/`, published copy refreshed.
   A mart the suites check that does not exist (a fresh setup, an unfinished build) is a critical
   failure, not a footnote.
2. `check_timeliness` — timeliness measured **at the run's date**, without waiting for new data
   (`udbredelse.pipeline.daily_timeliness`: `dbt build` of `marts.dq_timeliness` and what depends on
   it with `dq_as_of` = the run's date, under the writer lock); reminders queued for every overdue
   period, and a sent reminder queued again after the catalog's `operations.reminder_repeat_days`
   while the file is still missing; feedback reports rewritten; copy published.
3. `send_reminders` — mails the pending reminders (`udbredelse.quality.pending_reminders`, read
   under the reader side of the writer lock) through the Airflow connection `smtp_default`. A
   reminder is marked sent only after the mail server accepted it (at-least-once delivery).
   **Without that connection, pending reminders make the task fail** (red, with a Danish message
   saying how many wait): they are kept and go out on the first run after SMTP is configured.
4. `fail_on_critical` — fails the run when a critical suite failed (beside `send_reminders`: both
   are leaves, so either one failing makes the run red);
   `run_quality_suites` itself records the failure instead of raising, so timeliness and reminders
   still run and a deterministic failure is not retried. When nothing critical failed it emits the
   asset `udbredelse://quality/checked`, which schedules `udbredelse_export`.

Every failed task logs a Danish line and mails the operators (`dag_defaults`); no CPR ever reaches a
log or a task result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, TriggerRule, dag, task
from dag_defaults import SMTP_CONN_ID, default_args

MARTS = Asset("udbredelse://warehouse/marts")
CHECKED = Asset("udbredelse://quality/checked")

DEFAULT_ARGS = default_args(
    "Datakvalitetskørslen",
    "Se Data Docs og opgavens log; påmindelser, der ikke blev sendt, sendes ved næste kørsel.",
)


def _run_date(context: Any) -> Any:
    """The date the run stands for: its logical date, or when it was due (manual runs may have none)."""
    run = context["dag_run"]
    return (run.logical_date or run.run_after).date()


@dag(
    dag_id="udbredelse_quality",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("30 5 * * *", timezone="UTC"), assets=[MARTS]),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "quality"],
    doc_md=__doc__,
)
def udbredelse_quality() -> None:
    @task
    def run_quality_suites() -> dict[str, Any]:
        """A critical failure is recorded (runs table, Data Docs) and reported by `fail_on_critical` at the end."""
        from udbredelse import pipeline
        from udbredelse.quality import QualityCheckFailed
        from udbredelse.settings import get_settings

        try:
            result = pipeline.quality(get_settings())
        except QualityCheckFailed as exc:  # the run is persisted; the text names checks and counts, never values
            return {"summary": str(exc)[:1000], "critical_failed": True, "suites": None}
        return {
            "summary": result.get("summary"),
            "critical_failed": bool(result.get("critical_failed")),
            "suites": len(result.get("suites") or []),
        }

    @task
    def check_timeliness(**context: Any) -> dict[str, Any]:
        """Timeliness and reminders at the run's date (marts.dq_timeliness rebuilt); counts only."""
        from airflow.sdk.exceptions import AirflowFailException

        from udbredelse import pipeline
        from udbredelse.settings import get_settings
        from udbredelse.unattended import MartsMissing

        try:
            return pipeline.daily_timeliness(get_settings(), _run_date(context))
        except MartsMissing as exc:  # deterministic until a build ran: no retry
            raise AirflowFailException(str(exc)) from None

    @task
    def send_reminders() -> dict[str, Any]:
        import logging

        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

        from udbredelse.quality import mark_reminders_sent, pending_reminders
        from udbredelse.settings import get_settings

        log = logging.getLogger("udbredelse.airflow")
        settings = get_settings()
        reminders = pending_reminders(settings)
        if not reminders:
            return {"pending": 0, "sent": 0}
        try:
            Connection.get(SMTP_CONN_ID)
        except AirflowNotFoundException:
            raise AirflowFailException(
                f"Ingen SMTP-forbindelse ({SMTP_CONN_ID}) er sat op: {len(reminders)} påmindelse(r) til kommunerne "
                "er ikke sendt. De venter og sendes ved første kørsel efter, at forbindelsen er oprettet "
                "(AIRFLOW_CONN_SMTP_DEFAULT, se dags/README.md)."
            ) from None

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        sent: list[str] = []
        try:
            with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as smtp:
                for reminder in reminders:
                    smtp.send_email_smtp(to=reminder["to"], subject=reminder["subject"],
                                         html_content=reminder["body"])
                    sent.append(reminder["reminder_id"])
        finally:  # what the server took is marked sent even if a later one failed (no double mails)
            mark_reminders_sent(settings, sent)
        log.info("%d af %d påmindelse(r) sendt.", len(sent), len(reminders))
        return {"pending": len(reminders), "sent": len(sent)}

    @task(trigger_rule=TriggerRule.ALL_DONE, outlets=[CHECKED])
    def fail_on_critical(result: dict[str, Any]) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        if result and result.get("critical_failed"):
            raise AirflowFailException(str(result.get("summary")))
        return {"critical_failed": False}

    suites = run_quality_suites()
    timeliness = check_timeliness()
    suites >> timeliness >> send_reminders()
    # send_reminders and fail_on_critical are both leaves: either one failing makes the run red
    timeliness >> fail_on_critical(suites)


udbredelse_quality()
