"""Running unattended (the Airflow DAGs): the inbox guard, batch ingest with per-file verdicts,
daily timeliness, and the freshness checks. Reached through `udbredelse.pipeline`.

The CLI steps assume an operator at the keyboard; a scheduler does not have one. So:

- the inbox listing never crashes: a symbolic link, a FIFO or a symlinked folder is never followed
  or read, it is moved aside (quarantine/ulaeselige/) with a Danish verdict; a file name that is not
  UTF-8 goes to ingest like any other file and gets ingest's verdict (`udbredelse.ingest`);
- every waiting file lands the way `udbredelse ingest` lands it (`ingest.ingest_inbox`, in its
  batches), and a file that makes the reader crash is quarantined with a verdict instead of failing
  the run (and every run after it);
- the summary a task returns (Airflow XCom, logs) carries file ids (the first 12 hex digits of the
  sha256, as ingest's own log lines) and counts, never a file name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import stat
import time
from pathlib import Path
from typing import Any

from udbredelse.settings import Settings

log = logging.getLogger("udbredelse.unattended")

UNSAFE_FOLDER = "ulaeselige"  # quarantine/<this>/: inbox entries that were moved aside unread
LOADED = ("accepted", "partial")
VERDICTS = ("accepted", "partial", "rejected")
SHORT_ID = 12
# errors that say the machine, not the file, is in trouble: the run fails (and is retried)
ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (OSError, MemoryError)


# ---- names ---------------------------------------------------------------------------------------
def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: str, limit: int = 200) -> str:
    """A name as it may appear in a verdict or a log line: the boundary's one echo rule
    (`ingest.echo_name`: U+FFFD for bytes that are not UTF-8, no control characters, CPR masked, cut)."""
    from udbredelse.ingest import echo_name

    return echo_name(name, limit=limit)


# ---- the inbox guard -----------------------------------------------------------------------------
def _entries(root: Path) -> list[tuple[Path, os.stat_result]]:
    """Every entry in the inbox root and one level down (not following links); never raises."""
    found: list[tuple[Path, os.stat_result]] = []

    def scan(folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as it:
                return list(it)
        except OSError as exc:
            log.error("indbakkemappen kunne ikke læses (%s)", type(exc).__name__)
            return []

    for entry in scan(root):
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        found.append((Path(entry.path), info))
        if stat.S_ISDIR(info.st_mode):
            for child in scan(Path(entry.path)):
                try:
                    found.append((Path(child.path), child.stat(follow_symlinks=False)))
                except OSError:
                    continue
    return found


def _entry_id(relative: str) -> str:
    return "u" + hashlib.sha256(os.fsencode(relative) + str(time.time_ns()).encode()).hexdigest()[: SHORT_ID - 1]


def _write_verdict(settings: Settings, entry_id: str, name: str, kommunekode: str | None,
                   code: str, message: str) -> None:
    """A Danish verdict for a file that never reached the reader: reports/<id>.json and its copy in quarantine/."""
    payload = {
        "status": "rejected", "rows_total": 0, "rows_accepted": 0, "rows_rejected": 0,
        "errors": [{"row": None, "column": None, "code": code, "message": message, "value": ""}],
        "warnings": [],
        "file": {"name": _shown(name), "file_id": entry_id, "file_type": None, "kommunekode": kommunekode,
                 "indsats": None, "reporting_date": None, "encoding": None, "delimiter": None, "sheet_name": None},
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    for folder in (settings.reports_dir, settings.quarantine_dir):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{entry_id}.json.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / f"{entry_id}.json")


UNSAFE_MESSAGES = {
    "symlink": ("symbolsk_link", "Filen er et symbolsk link og er ikke læst (et link kan pege på filer uden for "
                                 "indbakken). Læg selve filen i indbakken."),
    "folder_link": ("symbolsk_link", "Mappen er et symbolsk link og er ikke læst. Læg filerne i en almindelig mappe."),
    "special": ("ikke_en_fil", "Posten i indbakken er ikke en almindelig fil (fx en navngiven pipe) og er ikke læst. "
                               "Læg filen i indbakken som en almindelig fil."),
}


def _move_aside(settings: Settings, path: Path, info: os.stat_result, entry_id: str) -> None:
    """Move an entry out of the inbox without reading it (a link is moved as a link)."""
    target_dir = settings.quarantine_dir / UNSAFE_FOLDER
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / (entry_id + ".entry")
    if stat.S_ISLNK(info.st_mode):
        os.symlink(os.readlink(path), target)
        path.unlink()
        return
    try:
        os.rename(path, target)
    except OSError:  # another file system: a pipe or socket has nothing to keep
        path.unlink()


def guard_inbox(settings: Settings, inbox: Path | None = None) -> dict[str, Any]:
    """Make the inbox safe for `ingest_inbox`: move links and special files aside, unread, with a
    Danish verdict. Returns {'moved_aside': [ids]}; never a name."""
    root = Path(inbox) if inbox else settings.inbox_dir
    moved: list[str] = []
    if not root.is_dir():
        return {"moved_aside": moved}
    for path, info in _entries(root):
        if path.name.startswith((".", "~$")):
            continue  # hidden and Office lock files: ingest never takes them either
        relative = path.relative_to(root)
        kommune = relative.parts[0] if len(relative.parts) > 1 else None
        kind = None
        if stat.S_ISLNK(info.st_mode):
            kind = "folder_link" if len(relative.parts) == 1 and path.is_dir() else "symlink"
        elif not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            kind = "special"
        if kind:
            entry_id = _entry_id(str(relative))
            try:
                _move_aside(settings, path, info, entry_id)
            except OSError as exc:
                log.error("indbakke-post %s kunne ikke flyttes til karantæne (%s)", entry_id, type(exc).__name__)
                continue
            code, message = UNSAFE_MESSAGES[kind]
            _write_verdict(settings, entry_id, path.name, kommune if kommune and _is_utf8(kommune) else None,
                           code, message)
            log.warning("indbakke-post %s (%s) er flyttet til karantæne uden at blive læst", entry_id, code)
            moved.append(entry_id)
            continue
    return {"moved_aside": moved}


# ---- batch ingest --------------------------------------------------------------------------------
def _quarantine_crashing(settings: Settings, path: Path, error: BaseException) -> str:
    """A file that made the reader crash: stored encrypted in quarantine/ with a Danish verdict, removed
    from the inbox. Returns its short file id."""
    from udbredelse import crypto

    data = path.read_bytes()
    file_id = hashlib.sha256(data).hexdigest()
    settings.quarantine_dir.mkdir(parents=True, exist_ok=True)
    crypto.encrypt_file(data, settings.vault_key_bytes, settings.quarantine_dir / f"{file_id}.bin",
                        file_id.encode("ascii"))
    kommune = path.parent.name if path.parent != settings.inbox_dir else None
    _write_verdict(settings, file_id, path.name, kommune, "ulaeselig_fil",
                   f"Filen kunne ikke læses ({type(error).__name__}) og er lagt i karantæne. Gem filen igen som "
                   "CSV (semikolon) eller XLSX fra regnearket, og send den igen.")
    path.unlink()
    log.error("fil %s fik indlæsningen til at fejle (%s) og er lagt i karantæne", file_id[:SHORT_ID],
              type(error).__name__)
    return file_id


def _ingest_one_by_one(settings: Settings, inbox: Path | None) -> tuple[list[dict[str, Any]], list[str]]:
    from udbredelse.ingest import ingest_file
    from udbredelse.pipeline import waiting_files

    root = Path(inbox) if inbox else settings.inbox_dir
    results: list[dict[str, Any]] = []
    quarantined: list[str] = []
    for name in waiting_files(settings, inbox=root):
        path = root / name
        try:
            results.append(ingest_file(path, settings, source="inbox"))
        except ENVIRONMENT_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - a file that crashes the reader gets a verdict, the run goes on
            quarantined.append(_quarantine_crashing(settings, path, exc))
    return results, quarantined


def ingest_batch(settings: Settings, inbox: Path | None = None) -> dict[str, Any]:
    """Land every waiting file the way `udbredelse ingest` does; a summary fit for a task result.

    {'files', 'by_status', 'loaded', 'verdicts', 'file_ids': {status: [short ids]},
     'failed': [{'file_id', 'kommunekode'}], 'quarantined': [short ids], 'moved_aside': [ids]}
    'failed' files could not be stored (disk, permissions) and are still in the inbox: an operator acts.
    """
    from udbredelse.ingest import ingest_inbox

    settings.check()
    settings.ensure_dirs()
    guard = guard_inbox(settings, inbox)
    quarantined: list[str] = []
    try:
        results = ingest_inbox(settings, inbox=inbox)
    except ENVIRONMENT_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - find the file that crashed; land the others one by one
        log.error("indlæsningen af indbakken fejlede (%s); filerne indlæses nu én ad gangen", type(exc).__name__)
        results, quarantined = _ingest_one_by_one(settings, inbox)
    by_status: dict[str, int] = {}
    file_ids: dict[str, list[str]] = {}
    landed = sum(1 for r in results if r["status"] in VERDICTS)  # verdicts in raw.files: the marts change
    for result in results:
        by_status[result["status"]] = by_status.get(result["status"], 0) + 1
        file_ids.setdefault(result["status"], []).append((result.get("file_id") or "")[:SHORT_ID])
    if quarantined:
        by_status["rejected"] = by_status.get("rejected", 0) + len(quarantined)
        file_ids.setdefault("rejected", []).extend(q[:SHORT_ID] for q in quarantined)
    moved = guard["moved_aside"]
    if moved:
        by_status["rejected"] = by_status.get("rejected", 0) + len(moved)
    failed = [{"file_id": (r.get("file_id") or "")[:SHORT_ID], "kommunekode": r.get("kommunekode")}
              for r in results if r["status"] == "failed"]
    return {
        "files": len(results) + len(quarantined) + len(moved),
        "by_status": by_status,
        "loaded": sum(by_status.get(s, 0) for s in LOADED),
        "verdicts": landed,
        "file_ids": file_ids,
        "failed": failed,
        "quarantined": [q[:SHORT_ID] for q in quarantined],
        "moved_aside": moved,
    }


# ---- operations parameters (catalog) --------------------------------------------------------------
OPERATIONS_DEFAULTS = {"reminder_repeat_days": 14, "published_max_age_hours": 36, "delivery_alert_days": 30}


def operations(settings: Settings) -> dict[str, int]:
    """The catalog's `operations:` block (common.yaml): reminder repeat interval, freshness limits."""
    from udbredelse.catalog import load_catalog

    block = load_catalog(settings.catalog_path).common.get("operations") or {}
    return {key: int(block.get(key, default)) for key, default in OPERATIONS_DEFAULTS.items()}


# ---- freshness --------------------------------------------------------------------------------------
def published_at(settings: Settings) -> dt.datetime | None:
    """When the published copy was last swapped in (UTC, naive), or None when there is none."""
    try:
        return dt.datetime.fromtimestamp(settings.published_path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    except FileNotFoundError:
        return None


def _danish_time(moment: dt.datetime) -> str:
    return f"{moment:%d-%m-%Y %H:%M} UTC"


def published_problem(settings: Settings, at: dt.datetime, max_age_hours: int | None = None,
                      allow_newer: bool = True) -> str | None:
    """Danish text when the published copy is missing, older than the limit at `at`, or (unless
    `allow_newer`) published more than the limit after `at`; None when it is fit for `at`."""
    limit = dt.timedelta(hours=max_age_hours if max_age_hours is not None
                         else operations(settings)["published_max_age_hours"])
    published = published_at(settings)
    if published is None:
        return (f"Der er ingen publiceret kopi af datavarehuset ({settings.published_path}); kør "
                "udbredelse_transform (eller `udbredelse build`) først.")
    if published < at - limit:
        return (f"Den publicerede kopi er fra {_danish_time(published)} og dermed ældre end "
                f"{int(limit.total_seconds() // 3600)} timer ved {_danish_time(at)}: transformationen har ikke "
                "kørt; se udbredelse_ingest og udbredelse_transform.")
    if not allow_newer and published > at + limit:
        return (f"Den publicerede kopi er fra {_danish_time(published)}, mere end "
                f"{int(limit.total_seconds() // 3600)} timer efter kørslens dato {_danish_time(at)}: tallene for "
                "den dato findes ikke længere; kør eksporten for i dag i stedet.")
    return None


def overdue_deliveries(settings: Settings, alert_days: int | None = None) -> list[dict[str, Any]]:
    """Deliveries missing more than `alert_days` past their deadline (marts.dq_timeliness of the published
    copy, as measured by the latest daily timeliness run): kommunekode, indsats, period, days_late."""
    from udbredelse import warehouse
    from udbredelse.quality.store import table_exists

    days = alert_days if alert_days is not None else operations(settings)["delivery_alert_days"]
    if not settings.published_path.exists():
        return []
    con = warehouse.connect_published(settings)
    try:
        if not table_exists(con, "marts", "dq_timeliness"):
            return []
        rows = con.execute(
            "select kommunekode, indsats, period, days_late from marts.dq_timeliness "
            "where delivery_status = 'missing' and days_late > ? order by days_late desc, kommunekode, indsats",
            [days],
        ).fetchall()
    finally:
        con.close()
    return [{"kommunekode": k, "indsats": i, "period": p, "days_late": int(d)} for k, i, p, d in rows]


# ---- daily timeliness -----------------------------------------------------------------------------
class MartsMissing(RuntimeError):
    """The marts a step needs are not built yet (Danish message)."""


def daily_timeliness(settings: Settings, today: dt.date) -> dict[str, Any]:
    """Timeliness and reminders measured at `today`, without waiting for new data: under the writer lock,
    `dbt build` of marts.dq_timeliness and what depends on it (scorecard, feedback, the indicators' badge)
    with dq_as_of = today, reminders queued (and repeated), feedback reports rewritten, copy published."""
    from udbredelse import warehouse
    from udbredelse.quality.feedback import queue_reminders, write_feedback_reports
    from udbredelse.quality.store import table_exists
    from udbredelse.transform import run_dbt_build

    settings.ensure_dirs()
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        try:
            built = table_exists(con, "marts", "dq_timeliness")
        finally:
            con.close()
        if not built:
            raise MartsMissing("marts.dq_timeliness findes ikke endnu: kør udbredelse_transform (eller "
                               "`udbredelse build`), før rettidigheden kan måles.")
        dbt = run_dbt_build(settings, select="dq_timeliness+", dbt_vars={"dq_as_of": today.isoformat()})
        now = dt.datetime.combine(today, dt.datetime.now(dt.UTC).time())
        con = warehouse.connect(settings)
        try:
            queued = queue_reminders(con, settings, now=now)
            missing, late = con.execute(
                "select count(*) filter (where delivery_status = 'missing'), "
                "count(*) filter (where delivery_status = 'late') from marts.dq_timeliness").fetchone()
            pending = con.execute("select count(*) from quality.reminder_outbox where sent_at is null").fetchone()[0]
        finally:
            con.close()
        reports = write_feedback_reports(settings)
        warehouse.publish(settings)
    return {"as_of": today.isoformat(), "dbt": dbt.get("summary"), "missing_periods": int(missing),
            "late_periods": int(late), "reminders_queued": queued, "reminders_pending": int(pending),
            "feedback_reports": len(reports)}
