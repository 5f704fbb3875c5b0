"""Task defaults shared by the udbredelse DAGs: owner, retries, timeout and a Danish failure log.

Standard library only (the DAG processor parses the DAG files often). Airflow's DAG bundle puts
this folder on `sys.path`, so the DAG files import it as `dag_defaults`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


def failure_logger(failed: str, advice: str) -> Callable[[Any], None]:
    """A failure callback logging one Danish line: '<failed> fejlede: opgaven … stoppede med <error type>. <advice>'.

    It names the task, the run and the error type, never the error message (no CPR risk).
    """

    def log_failure(context: Any) -> None:
        import logging

        ti = context.get("ti") or context.get("task_instance")
        exc = context.get("exception")
        logging.getLogger("udbredelse.airflow").error(
            "%s fejlede: opgaven %s (kørsel %s) stoppede med %s. %s",
            failed, getattr(ti, "task_id", "?"), getattr(ti, "run_id", "?"),
            type(exc).__name__ if exc else "ukendt fejl", advice,
        )

    return log_failure


def default_args(
    failed: str,
    advice: str,
    *,
    retries: int = 2,
    retry_delay: timedelta = timedelta(minutes=5),
    execution_timeout: timedelta = timedelta(minutes=30),
) -> dict[str, Any]:
    """The `default_args` of a udbredelse DAG; `failed`/`advice` make its Danish failure log line."""
    return {
        "owner": "udbredelse",
        "retries": retries,
        "retry_delay": retry_delay,
        "execution_timeout": execution_timeout,
        "on_failure_callback": failure_logger(failed, advice),
    }
