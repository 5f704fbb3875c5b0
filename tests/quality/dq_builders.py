"""Builders for a small, fully known warehouse that the data-quality tests run on.

Scenario (all CPR-derived values are fake pseudonyms; no CPR appears at all):
- 101 x MOVE (monthly, deadline 15 days): course snapshots for 2026-01..2026-06 except 2026-05
  (missing); 2026-03 arrives 2026-04-25 (10 days late). Course C3 vanishes after 2026-02,
  P1 is in two overlapping courses, C5 ends before it starts, C6 lacks henvisningsdato.
- 147 x CTI (quarterly, deadline 30 days): 2025-Q3..2026-Q1 on time, clean.
- 751 x MOVE: a single rejected file (nothing usable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import duckdb

from udbredelse import warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.settings import Settings

D = dt.date
TS = dt.datetime


def _file_id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _file_row(kommune: str, indsats: str, file_type: str, reporting: dt.date, received: dt.datetime,
              status: str = "accepted", rows_read: int = 0, rows_rejected: int = 0, warnings: int = 0) -> dict[str, Any]:
    return {
        "file_id": _file_id(kommune, indsats, file_type, reporting, received, status),
        "original_name": f"{kommune}_{indsats}_{file_type}_{reporting}.csv", "source": "inbox",
        "kommunekode": kommune, "indsats": indsats, "file_type": file_type, "reporting_date": reporting,
        "encoding": "utf-8", "delimiter": ";", "sheet_name": None, "size_bytes": 1000,
        "rows_read": rows_read, "rows_accepted": rows_read - rows_rejected, "rows_rejected": rows_rejected,
        "warnings": warnings, "status": status, "received_at": received, "supersedes": None,
        "archive_path": None, "pseudonym_key_id": "ktest",
    }


def _course(file: dict[str, Any], row: int, forloeb_id: str, person: str | None, status: str,
            henvist: dt.date | None, start: dt.date | None, slut: dt.date | None, aarsag: str | None = None,
            sessions: int = 0, medarbejder: str | None = "M1") -> dict[str, Any]:
    return {
        "file_id": file["file_id"], "row_number": row, "kommunekode": file["kommunekode"], "indsats": file["indsats"],
        "reporting_date": file["reporting_date"], "forloeb_id": forloeb_id, "person_id": person,
        "pseudonym_key_id": "ktest" if person else None, "sex": "K", "age_at_start": 16,
        "henvisningsdato": henvist, "henvisningsaarsag": "anden", "status": status, "startdato": start,
        "slutdato": slut, "afslutningsaarsag": aarsag, "antal_sessioner": sessions, "medarbejder_id": medarbejder,
        "is_carried_forward": False, "carried_from_file_id": None,
    }


def _month_end(year: int, month: int) -> dt.date:
    nxt = D(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def scenario_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows for raw.files, raw.courses, raw.course_items and raw.validation_issues."""
    files: list[dict[str, Any]] = []
    courses: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []

    # ---- 101 x MOVE, monthly ------------------------------------------------------------
    for month in (1, 2, 3, 4, 6):
        reporting = _month_end(2026, month)
        received = TS(2026, month + 1, 25, 9) if month == 3 else TS.combine(reporting + dt.timedelta(days=5), dt.time(9))
        f = _file_row("101", "MOVE", "courses", reporting, received, status="partial" if month == 4 else "accepted",
                      rows_read=8, rows_rejected=1 if month == 4 else 0, warnings=1)
        files.append(f)
        rows = [
            ("C1", "P1", "i_gang", D(2025, 12, 1), D(2025, 12, 10), None, None),
            ("C2", "P1", "i_gang", D(2025, 12, 20), D(2026, 1, 5), None, None),  # same person, overlapping C1
            ("C4", "P4", "i_gang", D(2026, 1, 2), D(2026, 1, 15), None, None),
            ("C5", "P5", "gennemfoert", D(2025, 11, 1), D(2025, 12, 1), D(2025, 11, 20), "anden"),  # ends before start
            ("C6", "P6", "i_gang", None, D(2026, 1, 20), None, None),  # no henvisningsdato
        ]
        if month <= 2:
            rows.append(("C3", "P3", "i_gang", D(2025, 12, 1), D(2025, 12, 5), None, None))  # vanishes after Feb
        # a steady trickle of starts, then a burst in the last month (outlier material)
        for k in range(1, month + 1):
            rows.append((f"S{k}", f"Q{k}", "i_gang", D(2026, k, 1), D(2026, k, 3), None, None))
        if month == 6:
            rows += [(f"B{k}", f"R{k}", "i_gang", D(2026, 6, 1), D(2026, 6, 2), None, None) for k in range(12)]
        for row, (fid, person, status, henvist, start, slut, aarsag) in enumerate(rows, start=2):
            courses.append(_course(f, row, fid, person, status, henvist, start, slut, aarsag))
            if fid != "C4":  # C4 has no UngMap screening recorded
                items.append({"file_id": f["file_id"], "forloeb_id": fid, "item_code": "ungmap_screening",
                              "item_value": True})
        issues.append({"file_id": f["file_id"], "row_number": 3, "column_name": "cpr", "severity": "warning",
                       "code": "cpr_modulus11", "message": "CPR-nummeret består ikke modulus 11-kontrollen.",
                       "value_masked": "610190-xxxx"})
        if month == 4:
            issues.append({"file_id": f["file_id"], "row_number": 5, "column_name": "startdato", "severity": "error",
                           "code": "date_invalid", "message": "Startdato kan ikke læses som en dato.",
                           "value_masked": "31-02-2026"})

    # ---- 147 x CTI, quarterly -------------------------------------------------------------
    for reporting in (D(2025, 9, 30), D(2025, 12, 31), D(2026, 3, 31)):
        f = _file_row("147", "CTI", "courses", reporting, TS.combine(reporting + dt.timedelta(days=20), dt.time(8)),
                      rows_read=2)
        files.append(f)
        for row, fid in enumerate(("K1", "K2"), start=2):
            courses.append(_course(f, row, fid, "P" + fid, "i_gang", D(2025, 7, 1), D(2025, 7, 10), None))
            items.append({"file_id": f["file_id"], "forloeb_id": fid, "item_code": "faseplan", "item_value": True})

    # ---- 751 x MOVE, one rejected file -------------------------------------------------------
    f = _file_row("751", "MOVE", "courses", D(2026, 6, 30), TS(2026, 7, 3, 10), status="rejected",
                  rows_read=0, rows_rejected=0)
    files.append(f)
    issues.append({"file_id": f["file_id"], "row_number": None, "column_name": None, "severity": "error",
                   "code": "missing_columns", "message": "Filen mangler kolonnen forloeb_id.", "value_masked": None})
    return {"files": files, "courses": courses, "course_items": items, "validation_issues": issues}


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows into raw.<table> by column name."""
    if not rows:
        return
    columns = list(rows[0])
    placeholders = ", ".join("?" for _ in columns)
    sql = f"insert into raw.{table} ({', '.join(columns)}) values ({placeholders})"  # noqa: S608 - test constants
    con.executemany(sql, [[r[c] for c in columns] for r in rows])


def build_raw_warehouse(settings: Settings) -> None:
    """Create the raw schema, the catalog tables and the scenario rows in the settings' warehouse."""
    settings.ensure_dirs()
    con = warehouse.connect(settings)
    try:
        write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        for table, rows in scenario_rows().items():
            insert_rows(con, table, rows)
    finally:
        con.close()
