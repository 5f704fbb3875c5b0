"""Task defaults shared by the udbredelse DAGs: owner, retries, timeout, a Danish failure log and a
failure e-mail to the operators.

Standard library only (the DAG processor parses the DAG files often). Airflow's DAG bundle puts
this folder on `sys.path`, so the DAG files import it as `dag_defaults`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

SMTP_CONN_ID = "smtp_default"
# comma-separated addresses of the people who run the platform (deploy/compose.env.example)
OPERATORS_ENV = "UDBREDELSE_OPERATOR_EMAILS"


def operators() -> list[str]:
    return [a.strip() for a in os.environ.get(OPERATORS_ENV, "").split(",") if a.strip()]


def _failure_line(failed: str, advice: str, ti: Any, exc: Any) -> str:
    return (f"{failed} fejlede: opgaven {getattr(ti, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')} "
            f"(kørsel {getattr(ti, 'run_id', '?')}) stoppede med "
            f"{type(exc).__name__ if exc else 'ukendt fejl'}. {advice}")


def mail_operators(subject: str, lines: list[str]) -> str:
    """Send a plain Danish mail to the operators through Airflow's SMTP connection.

    Returns what happened ('sendt', 'ingen modtagere', 'ingen SMTP-forbindelse'); never raises
    (a failure callback must not hide the task's own failure).
    """
    import html
    import logging

    log = logging.getLogger("udbredelse.airflow")
    to = operators()
    if not to:
        log.warning("Ingen driftsmodtagere (%s er ikke sat): fejlmailen er ikke sendt.", OPERATORS_ENV)
        return "ingen modtagere"
    try:
        from airflow.providers.smtp.hooks.smtp import SmtpHook
        from airflow.sdk import Connection

        Connection.get(SMTP_CONN_ID)
    except Exception:  # noqa: BLE001 - AirflowNotFoundException or an unusable provider
        log.warning("Ingen SMTP-forbindelse (%s): fejlmailen til driften er ikke sendt.", SMTP_CONN_ID)
        return "ingen SMTP-forbindelse"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    try:
        with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as smtp:
            smtp.send_email_smtp(to=to, subject=subject, html_content=body)
    except Exception as exc:  # noqa: BLE001 - see above
        log.warning("Fejlmailen til driften kunne ikke sendes (%s).", type(exc).__name__)
        return "fejlede"
    return "sendt"


def failure_logger(failed: str, advice: str) -> Callable[[Any], None]:
    """A failure callback: one Danish log line '<failed> fejlede: opgaven … stoppede med <error type>.
    <advice>', and the same as an e-mail to the operators (`UDBREDELSE_OPERATOR_EMAILS`) through the
    Airflow connection `smtp_default`.

    It names the DAG, task, run and the error type, never the error message (no CPR risk); the mail
    adds the link to the task's log in the Airflow UI.
    """

    def log_failure(context: Any) -> None:
        import logging

        ti = context.get("ti") or context.get("task_instance")
        exc = context.get("exception")
        line = _failure_line(failed, advice, ti, exc)
        logging.getLogger("udbredelse.airflow").error("%s", line)
        lines = [line]
        log_url = getattr(ti, "log_url", None)
        if log_url:
            lines.append(f"Log: {log_url}")
        mail_operators(f"[udbredelse] {failed} fejlede ({getattr(ti, 'dag_id', '?')})", lines)

    return log_failure


def default_args(
    failed: str,
    advice: str,
    *,
    retries: int = 2,
    retry_delay: timedelta = timedelta(minutes=5),
    execution_timeout: timedelta = timedelta(minutes=30),
) -> dict[str, Any]:
    """The `default_args` of a udbredelse DAG; `failed`/`advice` make its Danish failure log line and mail."""
    return {
        "owner": "udbredelse",
        "retries": retries,
        "retry_delay": retry_delay,
        "execution_timeout": execution_timeout,
        "on_failure_callback": failure_logger(failed, advice),
    }
