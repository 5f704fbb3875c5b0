"""Data quality: GX suites on the marts, the scorecard outputs, feedback reports and reminders."""

from udbredelse.quality.feedback import (
    mark_reminders_sent,
    pending_reminders,
    queue_overdue_reminders,
    write_feedback_reports,
)
from udbredelse.quality.runner import QualityCheckFailed, data_docs_index, run_quality

__all__ = [
    "QualityCheckFailed",
    "data_docs_index",
    "mark_reminders_sent",
    "pending_reminders",
    "queue_overdue_reminders",
    "run_quality",
    "write_feedback_reports",
]
