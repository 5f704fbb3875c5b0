"""Receipts: where a municipality's upload is on its way, from the moment it is received.

The upload writes `receipts/<kommunekode>/<file_id>.json` when it hands the file over; ingest and
the worker move it on. The upload page and its history read the receipts, so a file is listed the
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
    return settings.home_path / "receipts"


def _path(settings: Settings, kommune: str, file_id: str) -> Path:
    if not (kommune.isdigit() and len(kommune) == 3) or not all(c in "0123456789abcdef" for c in file_id):
        raise ValueError("invalid receipt key")
    return receipts_dir(settings) / kommune / f"{file_id}.json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _write(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def write_received(settings: Settings, kommune: str, file_id: str, name: str, **info: Any) -> dict[str, Any]:
    """The upload's receipt (state 'received', now)."""
    payload = {"file_id": file_id, "name": name, "kommunekode": kommune, "received_at": _now(),
               "state": "received", "states": {"received": _now()}, **info}
    _write(_path(settings, kommune, file_id), payload)
    return payload


def read(settings: Settings, kommune: str, file_id: str) -> dict[str, Any] | None:
    path = _path(settings, kommune, file_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def advance(settings: Settings, kommune: str | None, file_id: str, state: str, **info: Any) -> bool:
    """Move a receipt on (when there is one: inbox files without an upload have none)."""
    if not kommune or state not in STATES:
        return False
    try:
        path = _path(settings, kommune, file_id)
    except ValueError:
        return False
    if not path.is_file():
        return False
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["states"] = {**payload.get("states", {}), state: _now()}
    payload["state"] = state
    payload.update(info)
    _write(path, payload)
    return True


def has_any(settings: Settings, kommuner: set[str | None]) -> set[str]:
    """The municipalities among `kommuner` that have a receipt folder (a cheap check before advancing)."""
    root = receipts_dir(settings)
    if not root.is_dir():
        return set()
    return {k for k in kommuner if k and (root / k).is_dir()}


def listing(settings: Settings, kommune: str) -> list[dict[str, Any]]:
    """The municipality's receipts, newest first."""
    folder = receipts_dir(settings) / kommune
    if not folder.is_dir():
        return []
    out = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(out, key=lambda r: r.get("received_at", ""), reverse=True)


def mark_published(settings: Settings) -> int:
    """Every loaded receipt becomes 'published' (after a refresh has published the copy)."""
    root = receipts_dir(settings)
    if not root.is_dir():
        return 0
    count = 0
    for path in root.glob("*/*.json"):
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("state") == "loaded":
            count += advance(settings, payload.get("kommunekode"), payload["file_id"], "published")
    return count
