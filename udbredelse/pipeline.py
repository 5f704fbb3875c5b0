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


def waiting_files(settings: Settings, inbox: Path | None = None) -> list[str]:
    """Names (relative to the inbox) of the files waiting there, in the order `ingest_inbox` takes them.

    Same selection and order as `udbredelse.ingest.ingest_inbox`: `<kommunekode>/…`, `register/…` and
    loose files in the inbox root; reporting date (from the name), then arrival. Names only, never
    contents: the Airflow ingest DAG maps one task over this list.
    """
    from udbredelse.ingest import INBOX_SUFFIXES
    from udbredelse.ingest.headers import reporting_date_from_name

    root = inbox or settings.inbox_dir
    if not root.is_dir():
        return []

    def is_waiting(path: Path) -> bool:
        return path.is_file() and not path.name.startswith((".", "~$")) and path.suffix.lower() in INBOX_SUFFIXES

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


def build(settings: Settings, full: bool = False) -> dict[str, Any]:
    """Publish the catalog, run `dbt build`, run the data-quality suites, publish the read-only copy.

    The dbt step is incremental when it can be (`transform.refresh_marts`): only the interventions
    with files that arrived since the last build are recomputed; `full=True` rebuilds everything.
    """
    settings.ensure_dirs()
    with warehouse.writer_lock(settings):
        dbt_summary = _transform(settings, full=full)
        quality_summary = quality(settings, _locked=True)
        warehouse.publish(settings)
    return {"dbt": dbt_summary, "quality": quality_summary}


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


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


# ---- running unattended (the Airflow DAGs); the work is in udbredelse.unattended ---------------------
def ingest_batch(settings: Settings, inbox: Path | None = None) -> dict[str, Any]:
    """Land every waiting file as `ingest` does, safe for a scheduler: links and special files moved
    aside with a verdict, non-UTF-8 names repaired, a file that crashes the reader quarantined. The
    summary carries file ids and counts, never a name (`unattended.ingest_batch`)."""
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
