"""Course snapshots held for confirmation ("afventer bekræftelse") and the confirmations themselves.

A snapshot that would make more courses disappear than the catalog's limit is not loaded: its
bytes are kept encrypted in `held/<file_id>.bin` (like the archive), with a record
`held/<file_id>.json` (no CPR: names are masked, course ids are the municipality's own) and the
Danish report in `reports/<file_id>.json`. The current numbers stay as they are.

A confirmation is a small record `held/<file_id>.confirm.json` naming how many disappearing
courses were accepted. It can be written before the file arrives (the dashboard, after the dry run
showed the list) or after it was held (dashboard or `udbredelse ingest --confirm FILE_ID`). Ingest
loads a file whose disappearing courses are at most the confirmed number; a held file with a
confirmation is loaded by the next ingest run (or at once by the CLI). Nothing is discarded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from udbredelse import crypto
from udbredelse.settings import Settings

FILE_ID = re.compile(r"^[0-9a-f]{64}$")
STATUS = "held"


class HeldError(ValueError):
    """A confirmation that cannot be honoured (unknown or malformed file id)."""


def held_dir(settings: Settings) -> Path:
    return settings.home_path / "held"


def _check_id(file_id: str) -> str:
    file_id = (file_id or "").strip().lower()
    if not FILE_ID.match(file_id):
        raise HeldError("Ugyldigt fil-id: brug filens fulde id (64 tegn, som i rapporten).")
    return file_id


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def hold(settings: Settings, data: bytes, record: dict[str, Any]) -> None:
    """Keep a held file encrypted with its record (the caller writes the report)."""
    folder = held_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    file_id = record["file_id"]
    crypto.encrypt_file(data, settings.vault_key_bytes, folder / f"{file_id}.bin", file_id.encode("ascii"))
    # held (again): a confirmation there was covered fewer courses than now disappear
    (folder / f"{file_id}.confirm.json").unlink(missing_ok=True)
    _write_json(folder / f"{file_id}.json", {**record, "status": STATUS, "held_at": _now()})


def record(settings: Settings, file_id: str) -> dict[str, Any] | None:
    path = held_dir(settings) / f"{_check_id(file_id)}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def records(settings: Settings, kommune: str | None = None) -> list[dict[str, Any]]:
    """The files waiting for confirmation (of one municipality, if given), oldest first."""
    folder = held_dir(settings)
    if not folder.is_dir():
        return []
    out = []
    for path in folder.glob("*.json"):
        if not FILE_ID.match(path.stem):
            continue
        item = json.loads(path.read_text(encoding="utf-8"))
        if kommune is None or item.get("kommunekode") == kommune:
            item["confirmation"] = confirmation(settings, item["file_id"])
            out.append(item)
    return sorted(out, key=lambda r: (str(r.get("received_at")), r["file_id"]))


def held_bytes(settings: Settings, file_id: str) -> bytes:
    file_id = _check_id(file_id)
    return crypto.decrypt_file(held_dir(settings) / f"{file_id}.bin", settings.vault_key_bytes,
                               file_id.encode("ascii"))


def confirm(settings: Settings, file_id: str, by: str, vanishing: int | None = None,
            kommune: str | None = None) -> dict[str, Any]:
    """Record a confirmation. `vanishing`: how many disappearing courses were accepted (None: any,
    the operator's `--confirm`). `kommune`: the confirming municipality; a held file of another
    municipality cannot be confirmed by it."""
    file_id = _check_id(file_id)
    held = record(settings, file_id)
    if held is not None and kommune is not None and held.get("kommunekode") != kommune:
        raise HeldError("Filen tilhører en anden kommune.")
    payload = {"file_id": file_id, "confirmed_at": _now(), "by": by, "vanishing": vanishing, "kommunekode": kommune}
    _write_json(held_dir(settings) / f"{file_id}.confirm.json", payload)
    return payload


def confirmation(settings: Settings, file_id: str) -> dict[str, Any] | None:
    path = held_dir(settings) / f"{_check_id(file_id)}.confirm.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def confirmed_for(settings: Settings, file_id: str, vanishing: int) -> bool:
    """True when a confirmation covers `vanishing` disappearing courses for this file."""
    found = confirmation(settings, file_id)
    if found is None:
        return False
    return found.get("vanishing") is None or int(found["vanishing"]) >= vanishing


def confirmed_waiting(settings: Settings, kommune: str | None = None) -> list[str]:
    """Ids of held files with a confirmation: the next ingest loads them."""
    return [r["file_id"] for r in records(settings, kommune) if r.get("confirmation")]


def release(settings: Settings, file_id: str) -> None:
    """After the file was loaded (it is in the archive now): drop the held copy, record and confirmation."""
    file_id = _check_id(file_id)
    folder = held_dir(settings)
    for name in (f"{file_id}.bin", f"{file_id}.json", f"{file_id}.confirm.json"):
        (folder / name).unlink(missing_ok=True)
