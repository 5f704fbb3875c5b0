"""Audit of dashboard views, uploads and exports, written to the platform's one hash-chained audit log.

The log itself (append-only `$UDBREDELSE_HOME/logs/audit.jsonl`, each record holding the sha256
of the previous line) is `udbredelse.export.audit`; this module only shapes dashboard events.
"""

from __future__ import annotations

from typing import Any

from udbredelse.export import audit as platform_audit
from udbredelse.settings import Settings


def append(settings: Settings, actor: dict[str, Any], action: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """One record: event `dashboard_<action>`, who (role, municipality, subject) and what."""
    return platform_audit.append_audit(
        settings, f"dashboard_{action}",
        actor=actor.get("subject") or f"{actor.get('login')}:{actor.get('role')}",
        role=actor.get("role"), kommunekode=actor.get("kommunekode"), login=actor.get("login"),
        detail=detail or {},
    )


def verify(settings: Settings) -> tuple[bool, int]:
    """(chain intact, number of records)."""
    return platform_audit.verify_audit(settings), len(platform_audit.read_audit(settings))


def read_records(settings: Settings, limit: int = 200) -> list[dict[str, Any]]:
    return platform_audit.read_audit(settings)[-limit:]


def audit_path(settings: Settings):  # noqa: ANN201 - re-export
    return platform_audit.audit_path(settings)
