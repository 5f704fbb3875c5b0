"""Receipts: where a municipality's upload is on its way, from the moment it is received.

The upload writes `receipts/<kommunekode>/<receipt_id>.json` when it hands the file over
(`pipeline.submit_upload`); ingest and the worker move it on (`state`, `states`: time per state,
`status`: the Danish text). The upload page and its history read the receipts, so a file is listed the
moment it is received, before any build published it. A receipt holds no CPR (the name is masked
by the writer; ids, states and times only).

States, in order: received (modtaget) → checked (kontrolleret) → loaded (indlæst) or held
(afventer bekræftelse) or rejected (afvist) or duplicate → published (tallene er opdateret).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from udbredelse.settings import Settings

STATES = ("received", "checked", "held", "rejected", "duplicate", "loaded", "published")
STATE_TEXT = {
    "received": "modtaget", "checked": "kontrolleret", "held": "afventer bekræftelse", "rejected": "afvist",
    "duplicate": "allerede modtaget", "loaded": "indlæst", "published": "tallene er opdateret",
}


def receipts_dir(settings: Settings) -> Path:
    return settings.receipts_dir


def _find(settings: Settings, kommune: str, file_id: str) -> Path | None:
    """The newest receipt of these bytes in the municipality's folder (receipts are named by receipt id)."""
    folder = receipts_dir(settings) / kommune
    if not (kommune.isdigit() and len(kommune) == 3) or not folder.is_dir():
        return None
    found = []
    for path in folder.glob("*.json"):
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("file_id") == file_id:
            found.append((payload.get("receipt_id", ""), path))
    return max(found)[1] if found else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read(settings: Settings, kommune: str, file_id: str) -> dict[str, Any] | None:
    path = _find(settings, kommune, file_id)
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def states(receipt: dict[str, Any]) -> dict[str, str]:
    """{state: time (UTC, ISO)}; 'received' is the receipt's own time."""
    return {"received": receipt.get("received_at", ""), **receipt.get("states", {})}


def advance(settings: Settings, kommune: str | None, file_id: str, state: str, **info: Any) -> bool:
    """Move a receipt on (when there is one: inbox files without an upload have none)."""
    if not kommune or state not in STATES:
        return False
    path = _find(settings, kommune, file_id)
    if path is None:
        return False
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["states"] = {**payload.get("states", {}), state: _now()}
    payload["state"] = state
    payload["status"] = STATE_TEXT[state]
    payload.update(info)
    _write(path, payload)
    return True


def has_any(settings: Settings, kommuner: set[str | None]) -> set[str]:
    """The municipalities among `kommuner` that have a receipt folder (a cheap check before advancing)."""
    root = receipts_dir(settings)
    if not root.is_dir():
        return set()
    return {k for k in kommuner if k and (root / k).is_dir()}


def mark_published(settings: Settings) -> int:
    """Every loaded receipt becomes 'published' (after a refresh has published the copy)."""
    root = receipts_dir(settings)
    if not root.is_dir():
        return 0
    count = 0
    for path in root.glob("*/*.json"):
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("state") == "loaded":
            payload["states"] = {**payload.get("states", {}), "published": _now()}
            payload["state"] = "published"
            payload["status"] = STATE_TEXT["published"]
            _write(path, payload)
            count += 1
    return count
