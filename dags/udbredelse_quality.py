"""
### udbredelse_quality — daily data-quality run, timeliness and reminders

Daily at 05:00 UTC:

1. `run_quality_suites` — `udbredelse.pipeline.quality` (same as the quality step of
   `udbredelse build`): the Great Expectations suites on the marts, results persisted,
   Data Docs rendered to `$UDBREDELSE_HOME/quality/data_docs/`, published copy refreshed.
2. `check_timeliness` — which municipalities' files are late or missing against the catalog's
   reporting deadline (`udbredelse.pipeline.queue_overdue_reminders`); queues reminders in the outbox.
3. `send_reminders` — mails the pending reminders from the quality outbox
   (`udbredelse.quality.pending_reminders` / `mark_reminders_sent`) through the Airflow
   connection `smtp_default` (SMTP provider). **Without that connection nothing is sent**: the
   task logs one line and leaves the reminders pending, so the next run sends them once SMTP is
   configured (e.g. `AIRFLOW_CONN_SMTP_DEFAULT='smtp://user:pass@mail.example.dk:587?disable_ssl=true&from_email=noreply%40example.dk'`).
   A reminder is marked sent only after the mail server accepted it (at-least-once delivery).
4. `fail_on_critical` — fails the run (after the reminders went out) when a critical suite failed;
   `run_quality_suites` itself records the failure instead of raising, so timeliness and reminders
   still run and a deterministic failure is not retried.

Every task logs a Danish message when it fails (`on_failure_callback`); no CPR ever reaches a
log or a task result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import TriggerRule, dag, task
from dag_defaults import default_args

SMTP_CONN_ID = "smtp_default"


DEFAULT_ARGS = default_args(
    "Datakvalitetskørslen",
    "Se Data Docs og opgavens log; påmindelser, der ikke blev sendt, sendes ved næste kørsel.",
)


@dag(
    dag_id="udbredelse_quality",
    schedule="0 5 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
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
    def check_timeliness() -> dict[str, Any]:
        """Queue a reminder per overdue period (marts.dq_timeliness); counts of missing/late periods."""
        from udbredelse import pipeline
        from udbredelse.settings import get_settings

        return pipeline.queue_overdue_reminders(get_settings())

    @task
    def send_reminders() -> dict[str, Any]:
        import logging

        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException

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
            log.warning(
                "Ingen SMTP-forbindelse (%s) er sat op: %d påmindelse(r) er ikke sendt og venter til næste kørsel.",
                SMTP_CONN_ID, len(reminders),
            )
            return {"pending": len(reminders), "sent": 0, "smtp": "ikke konfigureret"}

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        sent: list[str] = []
        with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as smtp:
            for reminder in reminders:
                smtp.send_email_smtp(to=reminder["to"], subject=reminder["subject"], html_content=reminder["body"])
                sent.append(reminder["reminder_id"])
        mark_reminders_sent(settings, sent)
        return {"pending": len(reminders), "sent": len(sent)}

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def fail_on_critical(result: dict[str, Any]) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        if result and result.get("critical_failed"):
            raise AirflowFailException(str(result.get("summary")))
        return {"critical_failed": False}

    suites = run_quality_suites()
    timeliness = check_timeliness()
    reminders = send_reminders()
    suites >> timeliness >> reminders
    reminders >> fail_on_critical(suites)


udbredelse_quality()
