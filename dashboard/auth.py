"""Login: OIDC through st.login/st.user when configured, otherwise (demo mode only) a marked local login.

The role and municipality of an OIDC user come from the identity token's claims
(`udbredelse_role`, `kommunekode`) or, failing that, from `$UDBREDELSE_HOME/config/dashboard_users.yaml`
(e-mail → role, kommunekode). An OIDC user is re-derived from `st.user` on every run, never taken
from session state. The session lasts as long as the identity token: once its `exp` has passed
(or when it has none) the login is refused until the user logs in again. Without OIDC in
production mode nobody gets in.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st
import yaml

from dashboard import store
from dashboard.viewer import AccessDenied, Viewer

SESSION_KEY = "_demo_viewer"
EXPIRED_MESSAGE = "Din session er udløbet. Log ind igen."


class SessionExpired(AccessDenied):
    """The identity token behind an OIDC login has expired (or carries no expiry)."""


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


def check_not_expired(claims: dict[str, Any], now: float | None = None) -> None:
    """Refuse claims whose identity token has expired: the session ends with the token's `exp`."""
    try:
        expires = float(claims["exp"])
    except (KeyError, TypeError, ValueError):
        raise SessionExpired(EXPIRED_MESSAGE) from None
    if (time.time() if now is None else now) >= expires:
        raise SessionExpired(EXPIRED_MESSAGE)


def current_viewer() -> Viewer | None:
    """The logged-in viewer, or None. Raises SessionExpired for an OIDC login whose identity token has
    expired and AccessDenied for a login without a role."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        claims = st.user.to_dict()
        check_not_expired(claims)
        return viewer_from_claims(claims)
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
