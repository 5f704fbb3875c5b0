"""Exports: the indicator table, the data-quality scorecard, management reports and the register cohort.

Every export reads the published copy (`warehouse.connect_published`), writes through the safe
CSV/XLSX helpers in `safe_csv` (no formula injection) and is recorded in the tamper-evident audit
log (`audit.append_audit`).
"""

from udbredelse.export.audit import append_audit, verify_audit
from udbredelse.export.cohort import export_cohort, verify_cohort
from udbredelse.export.indicators import export_indicators, export_quality
from udbredelse.export.report import export_management_report
from udbredelse.export.safe_csv import write_csv, write_xlsx

__all__ = [
    "append_audit",
    "export_cohort",
    "export_indicators",
    "export_management_report",
    "export_quality",
    "verify_audit",
    "verify_cohort",
    "write_csv",
    "write_xlsx",
]
