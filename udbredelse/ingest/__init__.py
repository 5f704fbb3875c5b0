"""The ingest boundary: read municipality files robustly, check them, report in Danish, store without loss.

API (team brief): `validate_file` (dry run, stores nothing), `ingest_file`, `ingest_inbox`;
`preview_snapshot` (what a course file would change), `confirm_held` / `ingest_held` (files held
for confirmation, see `udbredelse.ingest.held`).
Every result is a small dict without clear CPR; clear CPR goes only to the encrypted vault.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from udbredelse import warehouse
from udbredelse.catalog import load_catalog
from udbredelse.cpr import ECHO_MAX_CHARS, echo, has_invalid_bytes
from udbredelse.ingest import held
from udbredelse.ingest.check import REGISTER_UPLOADER, Entry, check_many
from udbredelse.ingest.report import ValidationReport
from udbredelse.ingest.store import land_batch, result_dict
from udbredelse.settings import Settings
from udbredelse.vault import VaultWriter

__all__ = ["ValidationReport", "confirm_held", "echo_name", "ingest_file", "ingest_held", "ingest_inbox", "is_waiting",
           "preview_snapshot", "validate_file"]

log = logging.getLogger("udbredelse.ingest")
# Every file in the inbox gets a verdict (an .ods, a .pdf: rejected with a Danish message), except
# hidden files, Office lock files (~$…) and files still being transferred (.part, .tmp, .crdownload).
IN_TRANSFER_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")


def is_waiting(path: Path) -> bool:
    """A file in the inbox that is waiting for its verdict (the one selection the DAG and the CLI use)."""
    return (path.is_file() and not path.name.startswith((".", "~$"))
            and not path.name.lower().endswith(IN_TRANSFER_SUFFIXES))


def echo_name(name: str, limit: int = ECHO_MAX_CHARS) -> str:
    """A file name as it may be shown or stored anywhere (reports, raw.files, logs, the dashboard's
    audit log): not-UTF-8 bytes as U+FFFD, no control characters, CPR-like numbers masked, cut."""
    return echo(name, limit=limit) or ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _uploader_from_path(path: Path, settings: Settings, catalog: Any) -> str | None:
    folder = path.parent.name
    if folder == REGISTER_UPLOADER:
        return REGISTER_UPLOADER
    return folder if folder in catalog.municipalities else None


def validate_file(path: Path, settings: Settings, kommune: str | None = None) -> ValidationReport:
    """Dry run of every boundary check on one file. Stores nothing (no warehouse, vault, archive or report)."""
    catalog = load_catalog(settings.catalog_path)
    path = Path(path)
    data = path.read_bytes()
    uploader = kommune or _uploader_from_path(path, settings, catalog)
    outcome = check_many([Entry(data, echo_name(path.name), uploader, _now(), has_invalid_bytes(path.name))],
                         settings, catalog)[0]
    if outcome.empty_snapshot:  # the same verdict ingest gives (it waits for a confirmation)
        return ValidationReport.awaiting_confirmation(outcome, "snapshot_empty")
    return ValidationReport.from_outcome(outcome)


def _received_at(path: Path, source: str) -> dt.datetime:
    if source == "inbox":
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    return _now()


BATCH_FILES = 400  # files checked and stored together (memory stays bounded at any scale)


def _ingest_paths(
    paths: list[tuple[Path, str | None]],
    settings: Settings,
    source: str,
    confirm_wipe: bool = False,
    original_name: str | None = None,
) -> list[dict[str, Any]]:
    settings.ensure_dirs()
    catalog = load_catalog(settings.catalog_path)
    results: list[dict[str, Any]] = []
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        vault = VaultWriter(settings)
        try:
            for start in range(0, len(paths), BATCH_FILES):
                chunk = paths[start:start + BATCH_FILES]
                entries: list[Entry] = []
                readable: list[Path] = []
                for path, uploader in chunk:
                    raw_name = original_name or path.name
                    name = echo_name(raw_name)  # a CPR typed into a file name stays masked
                    try:
                        data = path.read_bytes()
                    except OSError:
                        results.append(result_dict(None, name, "", "failed"))
                        continue
                    entries.append(Entry(data, name, uploader, _received_at(path, source), has_invalid_bytes(raw_name)))
                    readable.append(path)
                for path, (result, done) in zip(
                    readable, land_batch(con, vault, entries, settings, catalog, source, confirm_wipe), strict=True
                ):
                    results.append(result)
                    if done and source == "inbox":
                        path.unlink(missing_ok=True)
        finally:
            vault.close()
            con.close()
    return results


def ingest_file(
    path: Path,
    settings: Settings,
    kommune: str | None = None,
    source: str = "inbox",
    confirm_wipe: bool = False,
    original_name: str | None = None,
) -> dict[str, Any]:
    """Ingest one file (inbox or upload). Same bytes twice is a no-op ('duplicate').

    The uploader is `kommune` if given, else the inbox subfolder the file sits in. An uploaded
    file is left where it is; an inbox file is removed once it is safe in the archive/quarantine.
    """
    if source not in ("inbox", "upload"):
        raise ValueError("source must be 'inbox' or 'upload'")
    settings.check()
    catalog = load_catalog(settings.catalog_path)
    path = Path(path)
    uploader = kommune or _uploader_from_path(path, settings, catalog)
    return _ingest_paths([(path, uploader)], settings, source, confirm_wipe, original_name)[0]


def ingest_inbox(settings: Settings, inbox: Path | None = None, kommune: str | None = None) -> list[dict[str, Any]]:
    """Ingest every file waiting in the inbox (`<inbox>/<kommunekode>/…`, `<inbox>/register/…`).

    With `kommune`, only that municipality's folder. Files are taken in order of reporting date
    (from the name) and arrival, so snapshots supersede each other in the right order.
    """
    settings.check()
    catalog = load_catalog(settings.catalog_path)
    root = Path(inbox) if inbox else settings.inbox_dir
    if not root.exists():
        return []
    candidates: list[tuple[Path, str | None]] = []
    folders = [root / kommune] if kommune else sorted(p for p in root.iterdir() if p.is_dir())
    for folder in folders:
        if not folder.is_dir():
            continue
        uploader = kommune or (folder.name if (folder.name in catalog.municipalities
                                               or folder.name == REGISTER_UPLOADER) else None)
        for path in folder.iterdir():
            if is_waiting(path):
                candidates.append((path, uploader))
    if kommune is None:
        for path in root.iterdir():  # loose files in the inbox root: the uploader is unknown
            if is_waiting(path):
                candidates.append((path, None))

    from udbredelse.ingest.headers import reporting_date_from_name

    def order(item: tuple[Path, str | None]) -> tuple[str, float, str]:
        path = item[0]
        return (reporting_date_from_name(path.name) or "9999", path.stat().st_mtime, str(path))

    candidates.sort(key=order)
    results = ingest_held(settings, held.confirmed_waiting(settings, kommune))
    return results + _ingest_paths(candidates, settings, "inbox")


def preview_snapshot(path: Path, settings: Settings, current: Any, kommune: str | None = None) -> Any:
    """Dry run of a course file against `current` (the municipality's current snapshot of the
    file's intervention: forloeb_id + compared fields, e.g. from the published copy). Returns the
    `snapshot.SnapshotDiff`, or None when the file is not a loadable course snapshot. Stores nothing."""
    from udbredelse.ingest.snapshot import diff_snapshots

    catalog = load_catalog(settings.catalog_path)
    path = Path(path)
    uploader = kommune or _uploader_from_path(path, settings, catalog)
    outcome = check_many([Entry(path.read_bytes(), echo_name(path.name), uploader, _now(),
                                has_invalid_bytes(path.name))], settings, catalog)[0]
    if outcome.file_type != "courses" or outcome.file_rejected or outcome.accepted is None:
        return None
    return diff_snapshots(current, outcome.accepted, outcome.all_ids)


def confirm_held(settings: Settings, file_id: str, by: str, vanishing: int | None = None,
                 kommune: str | None = None) -> dict[str, Any]:
    """Confirm a course snapshot that makes courses disappear (held or not yet arrived). The next
    ingest loads it; see `udbredelse.ingest.held`."""
    return held.confirm(settings, file_id, by=by, vanishing=vanishing, kommune=kommune)


def ingest_held(settings: Settings, file_ids: list[str]) -> list[dict[str, Any]]:
    """Load held files that have a confirmation (decrypted from held/, never written in clear)."""
    if not file_ids:
        return []
    settings.check()
    settings.ensure_dirs()
    catalog = load_catalog(settings.catalog_path)
    results: list[dict[str, Any]] = []
    by_source: dict[str, list[Entry]] = {}
    for file_id in file_ids:
        record = held.record(settings, file_id)
        if record is None:
            results.append(result_dict(None, "", file_id, "missing"))
            continue
        received = dt.datetime.fromisoformat(str(record["received_at"]))
        by_source.setdefault(record.get("source") or "inbox", []).append(
            Entry(held.held_bytes(settings, file_id), record["name"], record.get("uploader"), received))
    if not by_source:
        return results
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        vault = VaultWriter(settings)
        try:
            for source, entries in by_source.items():
                results += [result for result, _ in land_batch(con, vault, entries, settings, catalog, source)]
        finally:
            vault.close()
            con.close()
    return results
