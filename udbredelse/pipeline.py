"""Service functions behind the CLI and the Airflow DAGs: every step runs the same way from both.

Each function takes the settings, does one step, and returns a small summary with no clear CPR
(safe for logs, XCom and task results).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from udbredelse import warehouse
from udbredelse.settings import Settings


def ingest(settings: Settings, inbox: Path | None = None, kommune: str | None = None) -> dict[str, Any]:
    """Ingest every file waiting in the inbox; one bad file never blocks the rest."""
    from udbredelse.ingest import ingest_inbox

    settings.check()
    settings.ensure_dirs()
    results = ingest_inbox(settings, inbox=inbox, kommune=kommune)
    return {
        "files": len(results),
        "by_status": _count(r["status"] for r in results),
        "results": results,
    }


INBOX_SUFFIXES = (".csv", ".xlsx")


def waiting_files(settings: Settings, inbox: Path | None = None) -> list[str]:
    """Names (relative to the inbox, `<folder>/<file>`) of the files waiting there, oldest arrival first.

    Only `inbox/<kommunekode>/*` and `inbox/register/*` with a .csv/.xlsx suffix count; hidden
    and partly uploaded files (dot names) are left alone. Returns names only, never contents
    (the Airflow ingest DAG maps one task over this list).
    """
    root = inbox or settings.inbox_dir
    if not root.is_dir():
        return []
    files = [
        path for path in root.glob("*/*")
        if path.is_file() and not path.name.startswith(".") and not path.parent.name.startswith(".")
        and path.suffix.lower() in INBOX_SUFFIXES
    ]
    files.sort(key=lambda path: (path.stat().st_mtime, path.as_posix()))
    return [path.relative_to(root).as_posix() for path in files]


def ingest_waiting_file(settings: Settings, name: str, inbox: Path | None = None) -> dict[str, Any]:
    """Ingest one waiting file by its inbox-relative name (as returned by `waiting_files`).

    The folder names the uploading municipality (`register/` for the registry extract). A name
    that no longer exists (already ingested and archived by an earlier try) gives status 'missing'.
    """
    root = (inbox or settings.inbox_dir).resolve()
    path = (root / name).resolve()
    if path.parent.parent != root:
        raise ValueError(f"Ugyldigt filnavn i indbakken: {name!r}")
    from udbredelse.ingest import ingest_file

    settings.check()
    settings.ensure_dirs()
    if not path.is_file():
        return {"name": name, "file_id": None, "file_type": None, "kommunekode": None, "indsats": None,
                "status": "missing", "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0}
    folder = path.parent.name
    result = ingest_file(path, settings, kommune=None if folder == "register" else folder, source="inbox")
    return {**result, "name": name}


def build(settings: Settings) -> dict[str, Any]:
    """Publish the catalog, run `dbt build`, run the data-quality suites, publish the read-only copy."""
    from udbredelse.catalog import load_catalog
    from udbredelse.catalog.tables import write_catalog_tables
    from udbredelse.transform import run_dbt_build

    settings.ensure_dirs()
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        try:
            write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        finally:
            con.close()
        dbt_summary = run_dbt_build(settings)
        quality_summary = quality(settings, _locked=True)
        warehouse.publish(settings)
    return {"dbt": dbt_summary, "quality": quality_summary}


def quality(settings: Settings, _locked: bool = False) -> dict[str, Any]:
    """Run the Great Expectations suites on the marts and refresh the scorecard outputs."""
    from udbredelse.quality import run_quality

    if _locked:
        return run_quality(settings)
    with warehouse.writer_lock(settings):
        result = run_quality(settings)
        warehouse.publish(settings)
    return result


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
