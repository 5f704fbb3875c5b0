"""Landing: the append-only manifest, encrypted archive/quarantine, raw tables, carry-forward, reports.

Runs under the warehouse writer lock (taken by the callers in udbredelse.ingest). A file is stored
under its sha256; its original name is metadata only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from udbredelse import crypto
from udbredelse.catalog import Catalog
from udbredelse.ingest.check import ROW, Outcome, check_bytes, file_id_of
from udbredelse.ingest.messages import message
from udbredelse.ingest.report import ValidationReport
from udbredelse.settings import Settings
from udbredelse.vault import VaultWriter

log = logging.getLogger("udbredelse.ingest")

RAW_TABLE = {
    "courses": "raw.courses", "sessions": "raw.sessions", "measurements": "raw.measurements",
    "targets": "raw.targets", "milestones": "raw.milestones", "registry": "raw.registry",
}


def result_dict(outcome: Outcome | None, name: str, file_id: str, status: str, **known: Any) -> dict[str, Any]:
    """The summary returned to callers, logs and task results: never a clear CPR."""
    return {
        "name": name,
        "file_id": file_id,
        "file_type": outcome.file_type if outcome else known.get("file_type"),
        "kommunekode": outcome.kommunekode if outcome else known.get("kommunekode"),
        "indsats": outcome.indsats if outcome else known.get("indsats"),
        "status": status,
        "rows_read": outcome.rows_read if outcome else known.get("rows_read", 0),
        "rows_accepted": outcome.rows_accepted if outcome else known.get("rows_accepted", 0),
        "rows_rejected": outcome.rows_rejected if outcome else known.get("rows_rejected", 0),
    }


def _write_report(settings: Settings, report: ValidationReport, extra: dict[str, Any] | None = None) -> Path:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    target = settings.reports_dir / f"{report.file_id}.json"
    payload = report.to_json()
    if extra:
        payload.update(extra)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, target)
    return target


def _previous_snapshot(con: duckdb.DuckDBPyConnection, outcome: Outcome) -> str | None:
    row = con.execute(
        """
        select file_id from raw.files
        where file_type = ? and kommunekode is not distinct from ? and indsats is not distinct from ?
          and status in ('accepted', 'partial') and reporting_date <= ?
        order by reporting_date desc, received_at desc, file_id
        limit 1
        """,
        [outcome.file_type, outcome.kommunekode, outcome.indsats, outcome.reporting_date],
    ).fetchone()
    return row[0] if row else None


def land(
    con: duckdb.DuckDBPyConnection,
    vault: VaultWriter,
    data: bytes,
    name: str,
    settings: Settings,
    catalog: Catalog,
    uploader: str | None,
    source: str,
    received_at: dt.datetime,
    confirm_wipe: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Check and store one file. Returns (result, done): done=False means leave the file where it is."""
    file_id = file_id_of(data)
    known = con.execute(
        "select file_type, kommunekode, indsats, rows_read, rows_accepted, rows_rejected from raw.files "
        "where file_id = ?", [file_id]).fetchone()
    if known:
        keys = ("file_type", "kommunekode", "indsats", "rows_read", "rows_accepted", "rows_rejected")
        return result_dict(None, name, file_id, "duplicate", **dict(zip(keys, known, strict=True))), True

    outcome = check_bytes(data, name, settings, catalog, uploader, received_at, require_uploader=True)
    previous = None if outcome.file_type is None else _previous_snapshot(con, outcome)

    if outcome.file_type == "courses" and not outcome.file_rejected and previous is not None and not confirm_wipe:
        existing = [r[0] for r in con.execute(
            "select forloeb_id from raw.courses where file_id = ?", [previous]).fetchall()]
        if existing and not (set(existing) & set(outcome.all_ids)):
            report = ValidationReport.from_outcome(outcome)
            report.status = "rejected"
            report.rows_accepted, report.rows_rejected = 0, outcome.rows_read
            report.errors.insert(0, {"row": None, "column": None, "code": "snapshot_wipe",
                                     "message": message("snapshot_wipe", existing=len(existing)), "value": None})
            _write_report(settings, report, {"awaiting_confirmation": True})
            log.warning("file %s refused: would remove all %d existing courses", file_id[:12], len(existing))
            result = result_dict(outcome, name, file_id, "rejected")
            result.update(rows_accepted=0, rows_rejected=outcome.rows_read)
            return result, False

    status = outcome.status
    folder = settings.quarantine_dir if status == "rejected" else settings.archive_dir
    folder.mkdir(parents=True, exist_ok=True)
    crypto.encrypt_file(data, settings.vault_key_bytes, folder / f"{file_id}.bin", file_id.encode("ascii"))
    archive_rel = f"{folder.name}/{file_id}.bin"

    report = ValidationReport.from_outcome(outcome)
    if outcome.people is not None and outcome.people.height and status != "rejected":
        vault.store(outcome.people, file_id)

    con.begin()
    try:
        con.execute(
            "insert into raw.files (file_id, original_name, source, kommunekode, indsats, file_type, reporting_date, "
            "encoding, delimiter, sheet_name, size_bytes, rows_read, rows_accepted, rows_rejected, warnings, status, "
            "received_at, supersedes, archive_path, pseudonym_key_id) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, name, source, outcome.kommunekode, outcome.indsats, outcome.file_type, outcome.reporting_date,
             outcome.encoding, outcome.delimiter, outcome.sheet_name, outcome.size_bytes, outcome.rows_read,
             outcome.rows_accepted, outcome.rows_rejected, outcome.warnings.height, status, received_at,
             previous if status != "rejected" else None, archive_rel,
             settings.pseudonym_key_id if outcome.people is not None else None],
        )
        if outcome.issues.height:
            issues = outcome.issues.select(
                pl.lit(file_id).alias("file_id"), pl.col("row").cast(pl.Int32).alias("row_number"),
                pl.col("column").alias("column_name"), "severity", "code", "message",
                pl.col("value").alias("value_masked"),
            )
            con.register("new_issues", issues)
            con.execute("insert into raw.validation_issues by name select * from new_issues")
            con.unregister("new_issues")
        if status != "rejected" and outcome.accepted is not None and outcome.file_type:
            _insert_rows(con, outcome, file_id)
            if outcome.file_type == "courses" and previous is not None:
                _carry_forward(con, outcome, file_id, previous)
        con.commit()
    except Exception:
        con.rollback()
        raise
    if status == "rejected":
        report_path = _write_report(settings, report)
        (settings.quarantine_dir / f"{file_id}.json").write_bytes(report_path.read_bytes())
    else:
        _write_report(settings, report)
    log.info("file %s %s: type=%s kommune=%s indsats=%s rows %d/%d", file_id[:12], status, outcome.file_type,
             outcome.kommunekode, outcome.indsats, outcome.rows_accepted, outcome.rows_read)
    return result_dict(outcome, name, file_id, status), True


def _insert_rows(con: duckdb.DuckDBPyConnection, outcome: Outcome, file_id: str) -> None:
    assert outcome.accepted is not None and outcome.file_type is not None
    frame = outcome.accepted.rename({ROW: "row_number"}).with_columns(
        pl.lit(file_id).alias("file_id"), pl.col("row_number").cast(pl.Int32),
    )
    if outcome.file_type == "courses":
        frame = frame.with_columns(
            pl.lit(outcome.reporting_date).alias("reporting_date"),
            pl.lit(False).alias("is_carried_forward"),
            pl.col("age_at_start").cast(pl.Int32),
        )
    if outcome.file_type == "registry":
        frame = frame.rename({"pseudonym": "person_id"})
    con.register("new_rows", frame)
    con.execute(f"insert into {RAW_TABLE[outcome.file_type]} by name select * from new_rows")  # noqa: S608 - table name from a constant map
    con.unregister("new_rows")
    if outcome.file_type == "courses" and outcome.items is not None and outcome.items.height:
        items = outcome.items.with_columns(pl.lit(file_id).alias("file_id"))
        con.register("new_items", items)
        con.execute("insert into raw.course_items by name select * from new_items")
        con.unregister("new_items")


def _carry_forward(con: duckdb.DuckDBPyConnection, outcome: Outcome, file_id: str, previous: str) -> None:
    """Courses whose new row was rejected keep their last accepted version in the new snapshot."""
    accepted_ids = set(outcome.accepted.get_column("forloeb_id").to_list()) if outcome.accepted is not None else set()
    carry = [i for i in outcome.rejected_ids if i not in accepted_ids]
    if not carry:
        return
    ids = outcome.rejected_rows.filter(pl.col("forloeb_id").is_in(carry)).select(
        "forloeb_id", pl.col(ROW).cast(pl.Int32).alias("new_row_number"))
    con.register("carry_ids", ids)
    try:
        con.execute(
            """
            insert into raw.courses by name
            select ? as file_id, carry_ids.new_row_number as row_number, c.kommunekode, c.indsats, ?::date as reporting_date, c.forloeb_id,
                   c.person_id, c.pseudonym_key_id, c.sex, c.age_at_start, c.henvisningsdato, c.henvisningsaarsag,
                   c.status, c.startdato, c.slutdato, c.afslutningsaarsag, c.antal_sessioner, c.medarbejder_id,
                   true as is_carried_forward, coalesce(c.carried_from_file_id, c.file_id) as carried_from_file_id
            from raw.courses c join carry_ids using (forloeb_id)
            where c.file_id = ?
            """,
            [file_id, outcome.reporting_date, previous],
        )
        con.execute(
            """
            insert into raw.course_items by name
            select ? as file_id, i.forloeb_id, i.item_code, i.item_value
            from raw.course_items i join carry_ids using (forloeb_id)
            where i.file_id = ?
            """,
            [file_id, previous],
        )
    finally:
        con.unregister("carry_ids")
