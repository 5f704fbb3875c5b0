"""A municipality's confirmed upload goes in through the same door as every other file: its inbox.

The dashboard never writes the warehouse. On confirmation it hands the bytes to `hand_over`, which
writes the upload's receipt (so the page lists the file at once), records the confirmation of any
disappearing courses the municipality accepted after the dry run, and puts the file in
`inbox/<kommunekode>/` atomically. The embedded worker (or Airflow's ingest DAG) takes it from there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from udbredelse.cpr import mask_text
from udbredelse.ingest import held, receipts
from udbredelse.ingest.check import file_id_of
from udbredelse.settings import Settings


def hand_over(settings: Settings, kommune: str, name: str, content: bytes, by: str,
              vanishing: int | None = None) -> dict[str, Any]:
    """Receipt + confirmation + file in the municipality's inbox. `name` must already be a bare, safe
    file name (the dashboard's `safe_upload_name`). Returns the receipt."""
    if Path(name).name != name or name.startswith("."):
        raise ValueError("Ugyldigt filnavn.")
    file_id = file_id_of(content)
    if vanishing:
        held.confirm(settings, file_id, by=by, vanishing=vanishing, kommune=kommune)
    receipt = receipts.write_received(settings, kommune, file_id, mask_text(name), size_bytes=len(content),
                                      vanishing_confirmed=vanishing or 0)
    folder = settings.inbox_dir / kommune
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists():  # another file of that name still waits: keep both (the name keeps its date)
        stem, dot, suffix = name.rpartition(".")
        target = folder / f"{stem}__{file_id[:8]}.{suffix}"
    tmp = folder / f".{file_id}.part"  # hidden until complete: the inbox listing skips dot files
    with open(tmp, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return receipt
