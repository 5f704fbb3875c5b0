"""The front door: the only way into ingest, refresh, quality and export.

The Airflow DAGs, the CLI, the dashboard's actions and `udbredelse bench` call these functions and
nothing under them, so every step runs the same way from each. Each function takes the settings,
does one step, and returns a small summary with no clear CPR (safe for logs, XCom and task results).

The dashboard never writes the warehouse: a confirmed upload is put in its municipality's inbox
(`submit_upload`) and ingested from there like every other file; its dry run (`validate`) reads only.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from udbredelse import warehouse
from udbredelse.settings import Settings


def validate(settings: Settings, path: Path, kommune: str | None = None) -> Any:
    """Dry run of every boundary check on one file (a `ValidationReport`). Stores nothing."""
    from udbredelse.ingest import validate_file

    return validate_file(Path(path), settings, kommune=kommune)


def ingest_one(settings: Settings, path: Path, kommune: str | None = None, confirm_wipe: bool = False) -> dict[str, Any]:
    """Ingest one named file (e.g. a corrected file, from the CLI), summarised like `ingest`."""
    from udbredelse.ingest import ingest_file

    settings.check()
    result = ingest_file(Path(path), settings, kommune=kommune, confirm_wipe=confirm_wipe)
    return {"files": 1, "by_status": {result["status"]: 1}, "results": [result]}


UPLOAD_SUFFIXES = (".csv", ".xlsx")
RECEIVED = "modtaget"
# Unicode dashes (en/em dash, minus, hyphens) read as '-' before masking, so a CPR number written
# with any of them is masked like one with a plain dash.
def _masked(name: str) -> str:
    """A name as it may be shown or stored: the boundary's one echo rule (CPR in any spelling masked)."""
    from udbredelse.cpr import echo

    return echo(name, limit=1000) or ""


def upload_name(name: str) -> str:
    """A bare, harmless file name for an uploaded file (the name carries the reporting date; never a path).

    A CPR number typed into the name is masked first, whatever its separator.
    """
    base = Path(_masked(name).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in UPLOAD_SUFFIXES:
        raise ValueError("Kun CSV- og XLSX-filer kan indsendes.")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "upload"
    return f"{stem[:120]}.{suffix.lower()}"


def _write_atomically(target: Path, content: bytes) -> None:
    """Write `content` as `target` all at once: a hidden temp file in the same folder, fsync, rename.

    Ingest skips names starting with '.', so a half-written file is never picked up.
    """
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        with open(temp, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def submit_upload(settings: Settings, kommune: str, name: str, content: bytes, submitted_by: str = "",
                  vanishing: int | None = None) -> dict[str, Any]:
    """Hand in a confirmed upload: the file goes into `inbox/<kommune>/` and is ingested from there
    like every other file (the DAG or the worker picks it up); nothing is written to the warehouse here.

    Writes the file and a receipt (`receipts/<kommune>/<receipt_id>.json`), each atomically, and
    returns the receipt: receipt_id, received_at (UTC, ISO), kommunekode, original_name (masked),
    inbox_name (inbox-relative, as `waiting_files` names it), file_id (sha256, as in raw.files),
    bytes, submitted_by, status ('modtaget').

    `vanishing`: the disappearing courses the municipality confirmed after the dry run; recorded as a
    confirmation (`udbredelse.ingest.held`) before the file lands, so ingest loads the snapshot instead
    of holding it (unless more courses disappear by then).
    """
    from udbredelse.catalog import load_catalog
    from udbredelse.ingest.check import file_id_of

    if kommune not in load_catalog(settings.catalog_path).municipalities:
        raise ValueError(f"Ukendt kommunekode: {kommune!r}.")
    if len(content) > settings.max_upload_mb * 1024 * 1024:
        raise ValueError(f"Filen er større end {settings.max_upload_mb} MB og kan ikke indsendes.")
    safe = upload_name(name)
    folder = settings.inbox_dir / kommune
    folder.mkdir(parents=True, exist_ok=True)
    target, number = folder / safe, 1
    while target.exists():  # an earlier file of the same name is still waiting: keep both
        number += 1
        stem, suffix = safe.rsplit(".", 1)
        target = folder / f"{stem}_{number}.{suffix}"
    received = datetime.now(UTC)
    receipt = {
        "receipt_id": f"{received:%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}",
        "received_at": received.isoformat(timespec="seconds"),
        "kommunekode": kommune,
        "original_name": _masked(name),
        "inbox_name": f"{kommune}/{target.name}",
        "file_id": file_id_of(content),
        "bytes": len(content),
        "submitted_by": submitted_by,
        "status": RECEIVED,
    }
    if vanishing:
        from udbredelse.ingest import held

        held.confirm(settings, receipt["file_id"], by=submitted_by or "dashboard", vanishing=vanishing,
                     kommune=kommune)
    _write_atomically(target, content)
    receipts = settings.receipts_dir / kommune
    receipts.mkdir(parents=True, exist_ok=True)
    _write_atomically(receipts / f"{receipt['receipt_id']}.json",
                      json.dumps(receipt, ensure_ascii=False, indent=1).encode("utf-8"))
    return receipt


def upload_receipts(settings: Settings, kommune: str) -> list[dict[str, Any]]:
    """The receipts of a municipality's handed-in files, newest first."""
    folder = settings.receipts_dir / kommune
    if not folder.is_dir():
        return []
    found = [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")]
    return sorted(found, key=lambda r: r["receipt_id"], reverse=True)


def ingest(settings: Settings, inbox: Path | None = None, kommune: str | None = None) -> dict[str, Any]:
    """Ingest every file waiting in the inbox; one bad file never blocks the rest."""
    from udbredelse.ingest import ingest_inbox
    from udbredelse.unattended import guard_inbox

    settings.check()
    settings.ensure_dirs()
    guard_inbox(settings, inbox)  # links and pipes are moved aside unread, with a verdict (as in the DAG)
    results = ingest_inbox(settings, inbox=inbox, kommune=kommune)
    return {
        "files": len(results),
        "by_status": _count(r["status"] for r in results),
        "results": results,
    }


def waiting_files(settings: Settings, inbox: Path | None = None) -> list[str]:
    """Names (relative to the inbox) of the files waiting there, in the order `ingest_inbox` takes them.

    Same selection and order as `udbredelse.ingest.ingest_inbox`: `<kommunekode>/…`, `register/…` and
    loose files in the inbox root; reporting date (from the name), then arrival. Names only, never
    contents: the Airflow ingest DAG maps one task over this list.
    """
    from udbredelse.ingest import is_waiting
    from udbredelse.ingest.headers import reporting_date_from_name

    root = inbox or settings.inbox_dir
    if not root.is_dir():
        return []

    files = [path for path in root.iterdir() if is_waiting(path)]
    files += [path for folder in root.iterdir() if folder.is_dir() for path in folder.iterdir() if is_waiting(path)]
    files.sort(key=lambda path: (reporting_date_from_name(path.name) or "9999", path.stat().st_mtime, str(path)))
    return [path.relative_to(root).as_posix() for path in files]


def ingest_waiting_file(settings: Settings, name: str, inbox: Path | None = None) -> dict[str, Any]:
    """Ingest one waiting file by its inbox-relative name (as returned by `waiting_files`).

    The folder names the uploader, as in `ingest_inbox`. A name that is no longer there (ingested
    by an earlier try or by the CLI meanwhile) gives status 'missing'. `name` in the result is the
    inbox-relative name.
    """
    root = (inbox or settings.inbox_dir).resolve()
    path = (root / name).resolve()
    if root not in (path.parent, path.parent.parent):
        raise ValueError(f"Ugyldigt filnavn i indbakken: {name!r}")
    if not path.is_file():
        return {"name": name, "file_id": None, "file_type": None, "kommunekode": None, "indsats": None,
                "status": "missing", "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0}
    from udbredelse.ingest import ingest_file

    settings.ensure_dirs()
    return {**ingest_file(path, settings, source="inbox"), "name": name}


def preview_snapshot(settings: Settings, path: Path, current: Any, kommune: str | None = None) -> Any:
    """Dry run: what a course file would change against `current` (a `SnapshotDiff` or None). Stores nothing."""
    from udbredelse.ingest import preview_snapshot as preview

    return preview(Path(path), settings, current, kommune=kommune)


def confirm_held(settings: Settings, file_id: str, by: str, vanishing: int | None = None,
                 kommune: str | None = None, load: bool = True) -> dict[str, Any]:
    """Confirm a file held for confirmation (courses would disappear). With `load` (the operator's
    `udbredelse ingest --confirm`) it is ingested at once; otherwise (the dashboard) the next ingest
    run loads it. Raises `held.HeldError` for an unknown id or another municipality's file."""
    from udbredelse.ingest import confirm_held as confirm
    from udbredelse.ingest import held, ingest_held

    settings.check()
    if load and held.record(settings, file_id) is None:
        raise held.HeldError(f"Ingen fil afventer bekræftelse med id {file_id}.")
    confirmation = confirm(settings, file_id, by=by, vanishing=vanishing, kommune=kommune)
    results = ingest_held(settings, [confirmation["file_id"]]) if load else []
    return {"files": len(results), "by_status": _count(r["status"] for r in results), "results": results,
            "confirmation": confirmation}


def build(settings: Settings, full: bool = False) -> dict[str, Any]:
    """Publish the catalog, run `dbt build`, run the data-quality suites, publish the read-only copy.

    The dbt step is incremental when it can be (`transform.refresh_marts`): only the interventions
    with files that arrived since the last build are recomputed; `full=True` rebuilds everything.
    """
    settings.ensure_dirs()
    seconds: dict[str, float] = {}
    with warehouse.writer_lock(settings):
        started = time.perf_counter()
        dbt_summary = _transform(settings, full=full)
        seconds["transform"] = time.perf_counter() - started
        started = time.perf_counter()
        quality_summary = quality(settings, _locked=True)
        seconds["quality"] = time.perf_counter() - started
        warehouse.publish(settings)
    return {"dbt": dbt_summary, "quality": quality_summary, "seconds": seconds}


def refresh(settings: Settings, kommuner: list[str] | None = None, inbox: Path | None = None) -> dict[str, Any]:
    """New snapshots → published marts, fast: ingest the waiting files (of `kommuner`, if given),
    refresh the marts incrementally (full build when that is not sound) and publish.

    The data-quality suites are not run (the dbt data tests are); `build` runs them.
    """
    settings.check()
    settings.ensure_dirs()
    from udbredelse.ingest import ingest_inbox

    results = []
    for kommune in kommuner or [None]:
        results += ingest_inbox(settings, inbox=inbox, kommune=kommune)
    with warehouse.writer_lock(settings):
        dbt_summary = _transform(settings)
        warehouse.publish(settings)
    return {"files": len(results), "by_status": _count(r["status"] for r in results), "results": results,
            "dbt": dbt_summary}


def _transform(settings: Settings, full: bool = False) -> dict[str, Any]:
    """Write the catalog tables and bring the marts up to date (caller holds the writer lock)."""
    from udbredelse.catalog import load_catalog
    from udbredelse.catalog.tables import write_catalog_tables
    from udbredelse.transform import refresh_marts

    con = warehouse.connect(settings)
    try:
        write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
    finally:
        con.close()
    return refresh_marts(settings, full=full)


def quality(settings: Settings, _locked: bool = False) -> dict[str, Any]:
    """Run the Great Expectations suites on the marts and refresh the scorecard outputs."""
    from udbredelse.quality import run_quality

    if _locked:
        return run_quality(settings)
    with warehouse.writer_lock(settings):
        result = run_quality(settings)
        warehouse.publish(settings)
    return result


def queue_overdue_reminders(settings: Settings) -> dict[str, Any]:
    """Queue a reminder per overdue reporting period (marts.dq_timeliness) in the outbox; counts of missing/late."""
    from udbredelse.quality import queue_overdue_reminders as queue

    return queue(settings)


def export_indicators(settings: Settings, out: Path, audience: str = "analyst") -> dict[str, Any]:
    """The indicator table (published copy) as CSV for `audience` ('analyst' or 'public'); audit-logged."""
    from udbredelse import export

    return export.export_indicators(settings, Path(out), audience=audience)  # type: ignore[arg-type]


def export_quality(settings: Settings, out: Path) -> dict[str, Any]:
    """The data-quality scorecard (published copy) as CSV; audit-logged."""
    from udbredelse import export

    return export.export_quality(settings, Path(out))


def export_cohort(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """The register cohort delivery, encrypted for the register recipient; audit-logged."""
    from udbredelse import export

    return export.export_cohort(settings, Path(out_dir))


def export_management_report(settings: Settings, out: Path, kommune: str | None = None) -> dict[str, Any]:
    """A municipality's management report (XLSX); audit-logged."""
    from udbredelse import export

    return export.export_management_report(settings, Path(out), kommune=kommune)


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


# ---- running unattended (the Airflow DAGs); the work is in udbredelse.unattended ---------------------
def ingest_batch(settings: Settings, inbox: Path | None = None) -> dict[str, Any]:
    """Land every waiting file as `ingest` does, safe for a scheduler: links and special files moved
    aside unread with a verdict, a file that crashes the reader quarantined. The summary carries
    file ids and counts, never a name (`unattended.ingest_batch`)."""
    from udbredelse import unattended

    return unattended.ingest_batch(settings, inbox)


def daily_timeliness(settings: Settings, today: Any) -> dict[str, Any]:
    """Timeliness, reminders and feedback measured at `today` (a date), published (`unattended.daily_timeliness`)."""
    from udbredelse import unattended

    return unattended.daily_timeliness(settings, today)


def freshness_problems(settings: Settings, at: Any, allow_newer: bool = True) -> list[str]:
    """Danish lines for what is stale at `at` (a naive UTC datetime): the published copy (missing, older
    than the catalog's limit, or with allow_newer=False much newer than `at`). Empty when fresh."""
    from udbredelse import unattended

    problem = unattended.published_problem(settings, at, allow_newer=allow_newer)
    return [problem] if problem else []


def overdue_deliveries(settings: Settings) -> list[dict[str, Any]]:
    """Expected deliveries missing longer than the catalog's alert limit (`unattended.overdue_deliveries`)."""
    from udbredelse import unattended

    return unattended.overdue_deliveries(settings)
