"""What the upload page shows about a municipality's files: the current snapshot (for the dry-run
diff), whether a file was already received, where each file is on its way, and the history.

Read-only: the published copy (`warehouse.connect_published`), the receipts the upload writes and
the held-file records (`udbredelse.ingest.receipts`, `udbredelse.ingest.held`). Everything shown is
Danish: labels from the ingest report, dates dd-mm-åååå, times 'kl. HH.MM' in Danish time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl

from dashboard import store
from udbredelse import pipeline, warehouse
from udbredelse.ingest import held, receipts
from udbredelse.ingest.headers import reporting_date_from_name
from udbredelse.ingest.report import STATUS_TEXT, TYPE_TEXT
from udbredelse.settings import Settings

TZ = "Europe/Copenhagen"
SOURCE_TEXT = {"upload": "Upload", "inbox": "Indbakke (SFTP)"}
STEPS = ("received", "checked", "loaded", "published")


def local(value: Any) -> pd.Timestamp | None:
    """A stored UTC time (naive or ISO text) as Danish local time."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT or value == "":
        return None
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_convert(TZ)


def date_text(value: Any) -> str:
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%d-%m-%Y")


def time_text(value: Any) -> str:
    """'12-11-2026 kl. 10.14' (Danish time); '' when unknown."""
    stamp = local(value)
    return "" if stamp is None else stamp.strftime("%d-%m-%Y kl. %H.%M")


def _published(settings: Settings, sql: str, params: list[Any]) -> list[tuple]:
    if not settings.published_path.exists():
        return []
    con = warehouse.connect_published(settings)
    try:
        return con.execute(sql, params).fetchall()
    except Exception:  # noqa: BLE001 - an old published copy without the table: nothing to show
        return []
    finally:
        con.close()


def current_snapshot(settings: Settings, kommune: str, indsats: str) -> pl.DataFrame:
    """The municipality's current course snapshot of an intervention, as published."""
    columns = ("forloeb_id", "status", "henvisningsdato", "startdato", "slutdato", "antal_sessioner")
    rows = _published(settings, f"""
        select {', '.join(columns)} from raw.courses
        where file_id = (
            select file_id from raw.files
            where file_type = 'courses' and kommunekode = ? and indsats = ? and status in ('accepted', 'partial')
            order by reporting_date desc, received_at desc, file_id limit 1)
    """, [kommune, indsats])  # noqa: S608 - constant column names
    return pl.DataFrame(rows, schema=dict.fromkeys(columns), orient="row", infer_schema_length=None)


def published_files(settings: Settings, kommune: str) -> pd.DataFrame:
    rows = _published(settings, """
        select file_id, received_at, original_name, source, indsats, file_type, reporting_date, rows_read,
               rows_accepted, rows_rejected, status
        from raw.files where kommunekode = ? order by received_at desc nulls last limit 500
    """, [kommune])
    return pd.DataFrame(rows, columns=["file_id", "received_at", "original_name", "source", "indsats", "file_type",
                                       "reporting_date", "rows_read", "rows_accepted", "rows_rejected", "status"])


def held_files(settings: Settings, kommune: str) -> list[dict[str, Any]]:
    """The municipality's files waiting for confirmation (with their vanishing lists)."""
    return held.records(settings, kommune)


def already_received(settings: Settings, kommune: str, file_id: str) -> str | None:
    """When these exact bytes were received before (Danish text), or None."""
    receipt = receipts.read(settings, kommune, file_id)
    if receipt is not None:
        return time_text(receipt.get("received_at"))
    record = held.record(settings, file_id)
    if record is not None and record.get("kommunekode") == kommune:
        return time_text(record.get("received_at"))
    rows = _published(settings, "select received_at from raw.files where file_id = ? and kommunekode = ?",
                      [file_id, kommune])
    return time_text(rows[0][0]) if rows else None


def progress(settings: Settings, kommune: str, file_id: str, published: set[str] | None = None) -> list[dict[str, str]]:
    """The steps of one upload: modtaget, kontrolleret, indlæst (or its other outcome), tallene er opdateret."""
    receipt = receipts.read(settings, kommune, file_id)
    states = receipts.states(receipt) if receipt else {}
    if published is None:
        published = set(published_files(settings, kommune)["file_id"])
    if "published" not in states and file_id in published and states.get("loaded"):
        stamp = store.published_at()
        states["published"] = stamp.tz_convert("UTC").tz_localize(None).isoformat() if stamp is not None else ""
    steps = []
    for state in STEPS:
        if state == "loaded" and state not in states:
            other = next((s for s in ("held", "rejected", "duplicate") if s in states), None)
            if other:
                steps.append({"state": other, "text": receipts.STATE_TEXT[other], "time": time_text(states[other])})
                break
        steps.append({"state": state, "text": receipts.STATE_TEXT[state],
                      "time": time_text(states[state]) if state in states else ""})
    return steps


def history(settings: Settings, kommune: str) -> pd.DataFrame:
    """Every file of the municipality: received (receipts) and held files at once, the rest as published."""
    files = published_files(settings, kommune)
    seen = set(files["file_id"])
    rows: list[dict[str, Any]] = []
    for receipt in pipeline.upload_receipts(settings, kommune):
        if receipt["file_id"] in seen:
            continue
        steps = progress(settings, kommune, receipt["file_id"], seen)
        reached = [s for s in steps if s["time"]]
        rows.append({"received_at": receipt.get("received_at"), "original_name": receipt.get("original_name"),
                     "source": "upload", "indsats": receipt.get("indsats"), "file_type": receipt.get("file_type"),
                     "reporting_date": reporting_date_from_name(receipt.get("original_name") or ""),
                     "rows_read": receipt.get("rows_read"),
                     "rows_accepted": receipt.get("rows_accepted"), "rows_rejected": None,
                     "status_text": reached[-1]["text"] if reached else receipts.STATE_TEXT["received"]})
        seen.add(receipt["file_id"])
    for record in held.records(settings, kommune):
        if record["file_id"] in seen:
            continue
        rows.append({"received_at": record.get("received_at"), "original_name": record.get("name"),
                     "source": record.get("source"), "indsats": record.get("indsats"),
                     "file_type": record.get("file_type"), "reporting_date": record.get("reporting_date"),
                     "rows_read": record.get("rows_read"), "rows_accepted": 0, "rows_rejected": 0,
                     "status_text": STATUS_TEXT["held"]})
    files = files.assign(status_text=files["status"].map(lambda s: STATUS_TEXT.get(s, s)))
    frame = pd.concat([pd.DataFrame(rows), files.drop(columns=["file_id", "status"])], ignore_index=True)
    if frame.empty:
        return frame
    frame["_order"] = frame["received_at"].map(lambda v: local(v) or pd.Timestamp(0, tz=TZ))
    frame = frame.sort_values("_order", ascending=False)
    shown = pd.DataFrame({
        "Modtaget": frame["received_at"].map(time_text),
        "Fil": frame["original_name"].fillna(""),
        "Kanal": frame["source"].map(lambda s: SOURCE_TEXT.get(s, "") if isinstance(s, str) else ""),
        "Indsats": frame["indsats"].fillna(""),
        "Type": frame["file_type"].map(lambda t: TYPE_TEXT.get(t, "") if isinstance(t, str) else ""),
        "Indberetningsdato": frame["reporting_date"].map(date_text),
        "Rækker": frame["rows_read"].map(_count),
        "Godkendt": frame["rows_accepted"].map(_count),
        "Afvist": frame["rows_rejected"].map(_count),
        "Status": frame["status_text"],
    })
    return shown.reset_index(drop=True)


def _count(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{int(value):,}".replace(",", ".")

