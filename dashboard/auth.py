"""Login: OIDC through st.login/st.user when configured, otherwise (demo mode only) a marked local login.

The role and municipality of an OIDC user come from the identity token's claims
(`udbredelse_role`, `kommunekode`) or, failing that, from `$UDBREDELSE_HOME/config/dashboard_users.yaml`
(e-mail → role, kommunekode). An OIDC user is re-derived from `st.user` on every run, never taken
from session state. Without OIDC in production mode nobody gets in.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
import yaml

from dashboard import store
from dashboard.viewer import AccessDenied, Viewer

SESSION_KEY = "_demo_viewer"


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section (read at run time, never at import)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def _users_file() -> dict[str, Any]:
    path = store.settings().home_path / "config" / "dashboard_users.yaml"
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("users", {}) or {}


def viewer_from_claims(claims: dict[str, Any]) -> Viewer:
    """Map identity claims to a Viewer; unknown users are refused."""
    email = str(claims.get("email") or claims.get("sub") or "")
    role = claims.get("udbredelse_role")
    kommune = claims.get("kommunekode")
    if not role:
        entry = _users_file().get(email.lower()) or {}
        role, kommune = entry.get("role"), entry.get("kommunekode")
    if not role:
        raise AccessDenied("Din bruger har ikke adgang til dashboardet. Kontakt Socialstyrelsen.")
    kommune = None if kommune in (None, "") else str(kommune).zfill(3)
    return Viewer(role=role, kommunekode=kommune if role == "kommune" else None,
                  name=str(claims.get("name") or ""), subject=email, login="oidc")


def current_viewer() -> Viewer | None:
    """The logged-in viewer, or None. Raises AccessDenied for a known login without a role."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        return viewer_from_claims(st.user.to_dict())
    if not store.settings().is_demo:
        return None
    candidate = st.session_state.get(SESSION_KEY)
    return candidate if isinstance(candidate, Viewer) else None


def demo_login(role: str, kommunekode: str | None, name: str = "") -> Viewer:
    """Log in locally (demo mode only)."""
    if not store.settings().is_demo or oidc_configured():
        raise AccessDenied("Lokal login er kun slået til i demotilstand.")
    viewer = Viewer(role=role, kommunekode=kommunekode if role == "kommune" else None,  # type: ignore[arg-type]
                    name=name, subject=f"demo:{role}:{kommunekode or '-'}", login="demo")
    st.session_state[SESSION_KEY] = viewer
    return viewer


def logout() -> None:
    st.session_state.pop(SESSION_KEY, None)
    if oidc_configured():
        st.logout()
