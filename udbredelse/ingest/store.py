"""Landing: the append-only manifest, encrypted archive/quarantine, raw tables, carry-forward, reports.

Runs under the warehouse writer lock (taken by the callers in udbredelse.ingest). A file is stored
under its sha256; its original name is metadata only. Files are checked in batches and stored in
"waves": one wave holds at most one file per municipality × intervention × file type, so a later
snapshot always finds the earlier one already committed (supersession and carry-forward).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from udbredelse import crypto
from udbredelse.catalog import Catalog
from udbredelse.ingest import held, receipts
from udbredelse.ingest.check import ROW, Entry, Outcome, file_id_of, finish_safely, prepare
from udbredelse.ingest.messages import message
from udbredelse.ingest.report import ValidationReport
from udbredelse.ingest.snapshot import diff_snapshots, vanish_limit
from udbredelse.settings import Settings
from udbredelse.vault import VaultWriter

log = logging.getLogger("udbredelse.ingest")

# threads that write a wave's encrypted originals and reports (mostly waiting on the disk)
FILE_WRITERS = 4
# threads that read and check the files (polars and the decoders release the GIL)
READERS = 2

RAW_TABLE = {
    "courses": "raw.courses", "sessions": "raw.sessions", "measurements": "raw.measurements",
    "targets": "raw.targets", "milestones": "raw.milestones", "registry": "raw.registry",
}
MANIFEST_COLUMNS = {
    "file_id": pl.Utf8, "original_name": pl.Utf8, "source": pl.Utf8, "kommunekode": pl.Utf8, "indsats": pl.Utf8,
    "file_type": pl.Utf8, "reporting_date": pl.Date, "encoding": pl.Utf8, "delimiter": pl.Utf8,
    "sheet_name": pl.Utf8, "size_bytes": pl.Int64, "rows_read": pl.Int32, "rows_accepted": pl.Int32,
    "rows_rejected": pl.Int32, "warnings": pl.Int32, "status": pl.Utf8, "received_at": pl.Datetime("us"),
    "supersedes": pl.Utf8, "archive_path": pl.Utf8, "pseudonym_key_id": pl.Utf8,
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
    target = settings.reports_dir / f"{report.file_id}.json"
    payload = report.to_json()
    if extra:
        payload.update(extra)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, target)
    return target


def land_batch(
    con: duckdb.DuckDBPyConnection,
    vault: VaultWriter,
    entries: list[Entry],
    settings: Settings,
    catalog: Catalog,
    source: str,
    confirm_wipe: bool = False,
) -> list[tuple[dict[str, Any], bool]]:
    """Check and store a batch of files. For each: (result, done); done=False means leave the file where it is.

    `confirm_wipe`: every course snapshot of this call may make courses disappear (the operator's
    confirmation); otherwise a snapshot beyond the catalog's limit is held unless confirmed (`held`).
    """
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    with_receipts = receipts.has_any(settings, {e.uploader for e in entries})
    results: list[tuple[dict[str, Any], bool] | None] = [None] * len(entries)
    ids = [file_id_of(e.data) for e in entries]
    con.register("batch_ids", pl.DataFrame({"file_id": ids}, schema={"file_id": pl.Utf8}))
    known = {r[0]: r[1:] for r in con.execute(
        "select f.file_id, f.file_type, f.kommunekode, f.indsats, f.rows_read, f.rows_accepted, f.rows_rejected "
        "from raw.files f join batch_ids b using (file_id)").fetchall()}
    con.unregister("batch_ids")
    keys = ("file_type", "kommunekode", "indsats", "rows_read", "rows_accepted", "rows_rejected")
    seen: dict[str, int] = {}
    todo: list[int] = []
    for i, (entry, file_id) in enumerate(zip(entries, ids, strict=True)):
        if file_id in known:
            results[i] = (result_dict(None, entry.name, file_id, "duplicate",
                                      **dict(zip(keys, known[file_id], strict=True))), True)
        elif file_id in seen:
            results[i] = (result_dict(None, entry.name, file_id, "duplicate"), True)
        else:
            seen[file_id] = i
            todo.append(i)
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="read") as pool:
        prepared = dict(zip(todo, pool.map(
            lambda i: prepare(i, entries[i], settings, catalog, require_uploader=True), todo), strict=True))
    uploads: set[str] = set()  # files a municipality handed over in the dashboard (they have a receipt)
    if with_receipts:
        for i, entry in enumerate(entries):
            if entry.uploader in with_receipts and receipts.advance(settings, entry.uploader, ids[i], "checked"):
                uploads.add(ids[i])
    data_by_id = {ids[i]: entries[i].data for i in todo}
    # waves: the n-th file of each municipality × intervention × type goes in wave n
    waves: list[list[int]] = []
    counter: dict[tuple[Any, ...], int] = {}
    for i in todo:
        o = prepared[i].outcome
        key = (o.file_type, o.kommunekode, o.indsats) if o.file_type else ("-", i)
        n = counter.get(key, 0)
        counter[key] = n + 1
        if n == len(waves):
            waves.append([])
        waves[n].append(i)
    for wave in waves:
        outcomes = finish_safely([prepared[i] for i in wave], settings, catalog)
        try:
            stored = _store_wave(con, vault, outcomes, data_by_id, settings, catalog, source, confirm_wipe, uploads)
        except Exception as exc:  # fall back to one file at a time so one bad file never blocks the rest
            log.error("batch store failed (%s); retrying file by file", type(exc).__name__)
            stored = []
            for outcome in outcomes:
                try:
                    stored.extend(_store_wave(con, vault, [outcome], data_by_id, settings, catalog, source,
                                              confirm_wipe, uploads))
                except Exception as inner:
                    log.error("file %s could not be stored (%s)", outcome.file_id[:12], type(inner).__name__)
                    # not a verdict on the data: the file could not be stored (e.g. disk full); it stays in the inbox
                    stored.append((result_dict(outcome, outcome.name, outcome.file_id, "failed"), False))
        for i, item in zip(wave, stored, strict=True):
            results[i] = item
        for i in wave:  # free memory as we go
            prepared[i].frame = None
    if with_receipts:
        for entry, item in zip(entries, results, strict=True):
            if item is not None and entry.uploader in with_receipts and item[0]["file_id"]:
                state = {"accepted": "loaded", "partial": "loaded"}.get(item[0]["status"], item[0]["status"])
                receipts.advance(settings, entry.uploader, item[0]["file_id"], state,
                                 verdict=item[0]["status"], rows_accepted=item[0]["rows_accepted"],
                                 rows_read=item[0]["rows_read"], file_type=item[0]["file_type"],
                                 indsats=item[0]["indsats"])
    return [r for r in results if r is not None]


def _previous_snapshots(con: duckdb.DuckDBPyConnection, outcomes: list[Outcome]) -> dict[str, str]:
    """file_id → the file_id of the current snapshot it replaces (same kommune × indsats × type)."""
    keys = pl.DataFrame(
        {"new_id": [o.file_id for o in outcomes], "file_type": [o.file_type for o in outcomes],
         "kommunekode": [o.kommunekode for o in outcomes], "indsats": [o.indsats for o in outcomes],
         "reporting_date": [o.reporting_date for o in outcomes]},
        schema={"new_id": pl.Utf8, "file_type": pl.Utf8, "kommunekode": pl.Utf8, "indsats": pl.Utf8,
                "reporting_date": pl.Date},
    ).filter(pl.col("file_type").is_not_null())
    if keys.height == 0:
        return {}
    con.register("wave_keys", keys)
    try:
        rows = con.execute(
            """
            select k.new_id, f.file_id
            from wave_keys k
            join raw.files f
              on f.file_type = k.file_type
             and f.kommunekode is not distinct from k.kommunekode
             and f.indsats is not distinct from k.indsats
             and f.status in ('accepted', 'partial')
             and f.reporting_date <= k.reporting_date
            qualify row_number() over (
                partition by k.new_id order by f.reporting_date desc, f.received_at desc, f.file_id) = 1
            """
        ).fetchall()
    finally:
        con.unregister("wave_keys")
    return dict(rows)


def _hold_vanishing(
    con: duckdb.DuckDBPyConnection, outcomes: list[Outcome], previous: dict[str, str], settings: Settings,
    catalog: Catalog, data_by_id: dict[str, bytes], source: str,
) -> dict[str, tuple[dict[str, Any], bool]]:
    """A course snapshot that would make more courses disappear than the catalog's limit (or a course
    file with a header and no rows), without a confirmation covering them, is held: kept encrypted,
    reported in Danish, not loaded."""
    candidates = [o for o in outcomes if o.file_type == "courses" and not o.file_rejected
                  and (o.file_id in previous or o.empty_snapshot)]
    if not candidates:
        return {}
    prev_ids = pl.DataFrame({"file_id": sorted({previous[o.file_id] for o in candidates if o.file_id in previous})},
                            schema={"file_id": pl.Utf8})
    con.register("prev_ids", prev_ids)
    try:
        columns = ("file_id", "forloeb_id", "status", "henvisningsdato", "startdato", "slutdato", "antal_sessioner")
        current = pl.DataFrame(con.execute(
            f"select {', '.join('c.' + c for c in columns)} from raw.courses c join prev_ids using (file_id)"  # noqa: S608 - constant names
        ).fetchall(), schema=dict.fromkeys(columns), orient="row", infer_schema_length=None)
    finally:
        con.unregister("prev_ids")
    limit = vanish_limit(catalog)
    held_files: dict[str, tuple[dict[str, Any], bool]] = {}
    for o in candidates:
        new = o.accepted if o.accepted is not None else pl.DataFrame(schema={"forloeb_id": pl.Utf8})
        diff = diff_snapshots(current.filter(pl.col("file_id") == previous.get(o.file_id, "")), new, o.all_ids)
        if held.confirmed_for(settings, o.file_id, len(diff.vanishing)):
            continue
        if not o.empty_snapshot and not diff.exceeds(limit):  # header only: held whether or not courses exist
            continue
        report = ValidationReport.from_outcome(o)
        report.status = held.STATUS
        if diff.current_total:
            report.errors.insert(0, {"row": None, "column": None, "code": "snapshot_held", "value": None,
                                     "message": message("snapshot_held", count=len(diff.vanishing),
                                                        existing=diff.current_total, file_id=o.file_id)})
        if o.empty_snapshot:
            report.errors.insert(0, {"row": None, "column": None, "code": "snapshot_empty", "value": None,
                                     "message": message("snapshot_empty")})
        snapshot = {**diff.to_json(), "vanishing_text": diff.vanishing_text(limit), "limit": limit.text()}
        held.hold(settings, data_by_id[o.file_id], {
            "file_id": o.file_id, "name": o.name, "source": source, "kommunekode": o.kommunekode,
            "indsats": o.indsats, "file_type": o.file_type, "uploader": o.uploader,
            "reporting_date": o.reporting_date, "received_at": o.received_at, "rows_read": o.rows_read,
            "replaces": previous.get(o.file_id), "snapshot": snapshot,
        })
        _write_report(settings, report, {"awaiting_confirmation": True, "snapshot": snapshot})
        log.warning("file %s held: %d of %d courses would disappear", o.file_id[:12], len(diff.vanishing),
                    diff.current_total)
        result = result_dict(o, o.name, o.file_id, held.STATUS)
        result.update(rows_accepted=0, rows_rejected=0, vanishing=len(diff.vanishing))
        held_files[o.file_id] = (result, True)  # kept encrypted in held/: the inbox copy may go
    return held_files


def _store_wave(
    con: duckdb.DuckDBPyConnection,
    vault: VaultWriter,
    outcomes: list[Outcome],
    data_by_id: dict[str, bytes],
    settings: Settings,
    catalog: Catalog,
    source: str,
    confirm_wipe: bool,
    uploads: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[dict[str, Any], bool]]:
    previous = _previous_snapshots(con, outcomes)
    refused = {} if confirm_wipe else _hold_vanishing(con, outcomes, previous, settings, catalog, data_by_id, source)
    storing = [o for o in outcomes if o.file_id not in refused]

    manifest, issues, people = [], [], []
    rows: dict[str, list[pl.DataFrame]] = {}
    items: list[pl.DataFrame] = []
    carry: list[pl.DataFrame] = []
    archive_jobs = []
    for o in storing:
        status = o.status
        folder = settings.quarantine_dir if status == "rejected" else settings.archive_dir
        archive_jobs.append((data_by_id[o.file_id], folder / f"{o.file_id}.bin", o.file_id.encode("ascii")))
        supersedes = previous.get(o.file_id) if status != "rejected" else None
        manifest.append({
            "file_id": o.file_id, "original_name": o.name, "source": "upload" if o.file_id in uploads else source,
            "kommunekode": o.kommunekode,
            "indsats": o.indsats, "file_type": o.file_type, "reporting_date": o.reporting_date,
            "encoding": o.encoding, "delimiter": o.delimiter, "sheet_name": o.sheet_name, "size_bytes": o.size_bytes,
            "rows_read": o.rows_read, "rows_accepted": o.rows_accepted, "rows_rejected": o.rows_rejected,
            "warnings": o.warnings.height, "status": status, "received_at": o.received_at, "supersedes": supersedes,
            "archive_path": f"{folder.name}/{o.file_id}.bin",
            "pseudonym_key_id": settings.pseudonym_key_id if o.people is not None and status != "rejected" else None,
        })
        if o.issues.height:
            issues.append(o.issues.select(
                pl.lit(o.file_id).alias("file_id"), pl.col("row").cast(pl.Int32).alias("row_number"),
                pl.col("column").alias("column_name"), "severity", "code", "message",
                pl.col("value").alias("value_masked")))
        if status == "rejected" or o.accepted is None or o.file_type is None:
            continue
        frame = o.accepted.rename({ROW: "row_number"}).with_columns(
            pl.lit(o.file_id).alias("file_id"), pl.col("row_number").cast(pl.Int32))
        if o.file_type == "courses":
            frame = frame.with_columns(pl.lit(o.reporting_date, pl.Date).alias("reporting_date"),
                                       pl.lit(False).alias("is_carried_forward"), pl.col("age_at_start").cast(pl.Int32))
            if o.items is not None and o.items.height:
                items.append(o.items.with_columns(pl.lit(o.file_id).alias("file_id")))
            if o.people is not None:
                people.append(o.people.with_columns(pl.lit(o.file_id).alias("file_id")))
            accepted_ids = set(o.accepted.get_column("forloeb_id").to_list())
            if o.file_id in previous and o.rejected_rows.height:
                carry.append(o.rejected_rows.filter(~pl.col("forloeb_id").is_in(sorted(accepted_ids))).select(
                    pl.lit(o.file_id).alias("new_file_id"), pl.lit(previous[o.file_id]).alias("previous_file_id"),
                    pl.lit(o.reporting_date, pl.Date).alias("new_reporting_date"), "forloeb_id",
                    pl.col(ROW).cast(pl.Int32).alias("new_row_number")))
        if o.file_type == "registry":
            frame = frame.rename({"pseudonym": "person_id"})
        rows.setdefault(o.file_type, []).append(frame)

    # every original is on disk (encrypted, fsynced) before the manifest that names it is committed
    _in_threads(crypto.encrypt_file, [(data, settings.vault_key_bytes, target, context)
                                      for data, target, context in archive_jobs])
    if people:
        vault.store(pl.concat(people))
    con.begin()
    try:
        if manifest:
            _insert(con, "raw.files", pl.DataFrame(manifest, schema=MANIFEST_COLUMNS))
        if issues:
            _insert(con, "raw.validation_issues", pl.concat(issues))
        for file_type, frames in rows.items():
            _insert(con, RAW_TABLE[file_type], pl.concat(frames, how="diagonal_relaxed"))
        if items:
            _insert(con, "raw.course_items", pl.concat(items))
        if carry:
            _carry_forward(con, pl.concat(carry))
        con.commit()
    except Exception:
        con.rollback()
        raise
    if held.held_dir(settings).is_dir():  # a held or pre-confirmed file is in the archive now
        for o in storing:
            held.release(settings, o.file_id)
    reports = [(o, ValidationReport.from_outcome(o)) for o in outcomes if o.file_id not in refused]
    _in_threads(_deliver_report, [(settings, o, report) for o, report in reports])
    out = []
    for o in outcomes:
        if o.file_id in refused:
            out.append(refused[o.file_id])
            continue
        log.info("file %s %s: type=%s kommune=%s indsats=%s rows %d/%d", o.file_id[:12], o.status, o.file_type,
                 o.kommunekode, o.indsats, o.rows_accepted, o.rows_read)
        out.append((result_dict(o, o.name, o.file_id, o.status), True))
    return out


def _deliver_report(settings: Settings, outcome: Outcome, report: ValidationReport) -> None:
    report_path = _write_report(settings, report)
    if outcome.status == "rejected":
        (settings.quarantine_dir / f"{outcome.file_id}.json").write_bytes(report_path.read_bytes())


def _in_threads(task: Callable[..., None], jobs: list[tuple[Any, ...]]) -> None:
    """Run task(*job) for every job by a few threads: the files' waits on the disk (open, fsync)
    overlap. Returns when all have finished; the first failure (e.g. disk full) is raised."""
    if len(jobs) <= 1:
        for job in jobs:
            task(*job)
        return
    with ThreadPoolExecutor(max_workers=FILE_WRITERS, thread_name_prefix="ingest-write") as pool:
        for future in [pool.submit(task, *job) for job in jobs]:
            future.result()


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming", frame)
    try:
        con.execute(f"insert into {table} by name select * from incoming")  # noqa: S608 - table names are constants
    finally:
        con.unregister("incoming")


def _carry_forward(con: duckdb.DuckDBPyConnection, carry: pl.DataFrame) -> None:
    """Courses whose new row was rejected keep their last accepted version in the new snapshot."""
    con.register("carry", carry)
    try:
        con.execute(
            """
            insert into raw.courses by name
            select k.new_file_id as file_id, k.new_row_number as row_number, c.kommunekode, c.indsats,
                   k.new_reporting_date as reporting_date, c.forloeb_id, c.person_id, c.pseudonym_key_id, c.sex,
                   c.age_at_start, c.henvisningsdato, c.henvisningsaarsag, c.status, c.startdato, c.slutdato,
                   c.afslutningsaarsag, c.antal_sessioner, c.medarbejder_id, true as is_carried_forward,
                   coalesce(c.carried_from_file_id, c.file_id) as carried_from_file_id
            from carry k
            join raw.courses c on c.file_id = k.previous_file_id and c.forloeb_id = k.forloeb_id
            """
        )
        con.execute(
            """
            insert into raw.course_items by name
            select k.new_file_id as file_id, i.forloeb_id, i.item_code, i.item_value
            from carry k
            join raw.course_items i on i.file_id = k.previous_file_id and i.forloeb_id = k.forloeb_id
            """
        )
    finally:
        con.unregister("carry")
