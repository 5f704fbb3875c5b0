"""Append-only, tamper-evident audit log of exports and downloads (`$UDBREDELSE_HOME/logs/audit.jsonl`).

One JSON object per line. Each record holds `prev_sha256`, the SHA-256 of the previous line's
bytes (64 zeros for the first record), and `seq`, its position. Changing, deleting, inserting or
reordering any earlier line breaks the chain, which `verify_audit` detects. (A chain detects
tampering; it cannot stop someone with write access from truncating the tail — ship the log or
its last hash elsewhere for that.)

Records never hold a clear CPR: `append_audit` refuses any field that looks like one.
Use from anywhere: `append_audit(settings, "dashboard_download", user=..., file=..., rows=...)`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from udbredelse.settings import Settings

GENESIS = "0" * 64
# A CPR-shaped token: DDMMYY[-]SSSS not glued to other letters/digits (so hex digests don't match).
CPR_SHAPED = re.compile(r"(?<![0-9A-Za-z])\d{6}-?\d{4}(?![0-9A-Za-z])")


def audit_path(settings: Settings) -> Path:
    return settings.logs_dir / "audit.jsonl"


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return os.environ.get("USER", "ukendt")


def _check_no_cpr(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if CPR_SHAPED.search(text):
        raise ValueError("Auditloggen må ikke indeholde et CPR-nummer (et felt ligner et CPR-nummer).")


def _last_line(path: Path) -> bytes | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        block = 4096
        data = b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            handle.seek(pos)
            data = handle.read(step) + data
            lines = data.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or pos == 0:
                return lines[-1]
    return None


def append_audit(settings: Settings, event: str, **fields: Any) -> dict[str, Any]:
    """Append one record (event name + fields) to the chain; returns the record as written."""
    _check_no_cpr({"event": event, **fields})
    path = audit_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            last = _last_line(path)
            if last is None:
                prev_hash, seq = GENESIS, 1
            else:
                prev_hash = hashlib.sha256(last).hexdigest()
                seq = int(json.loads(last).get("seq", 0)) + 1
            record = {
                "seq": seq,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "actor": fields.pop("actor", None) or _actor(),
                "event": event,
                **fields,
                "prev_sha256": prev_hash,
            }
            line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
            handle.seek(0, os.SEEK_END)
            handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return record


def read_audit(settings: Settings) -> list[dict[str, Any]]:
    path = audit_path(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def verify_audit(settings: Settings) -> bool:
    """True when every record links to the one before it (an empty or missing log is intact)."""
    path = audit_path(settings)
    if not path.exists():
        return True
    prev_hash = GENESIS
    for expected_seq, line in enumerate(path.read_bytes().split(b"\n")[:-1] or [], start=1):
        try:
            record = json.loads(line)
        except ValueError:
            return False
        if not isinstance(record, dict) or record.get("prev_sha256") != prev_hash or record.get("seq") != expected_seq:
            return False
        prev_hash = hashlib.sha256(line).hexdigest()
    data = path.read_bytes()
    return data == b"" or data.endswith(b"\n")
