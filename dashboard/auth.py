"""Login: OIDC through st.login/st.user when configured, otherwise (demo mode only) a marked local login.

The role and municipality of an OIDC user come from the identity token's claims
(`udbredelse_role`, `kommunekode`) or, failing that, from `$UDBREDELSE_HOME/config/dashboard_users.yaml`
(e-mail → role, kommunekode). An OIDC user is re-derived from `st.user` on every run, never taken
from session state. The session lasts as long as the identity token: once its `exp` has passed
(or when it has none) the login is refused until the user logs in again. Without OIDC in
production mode nobody gets in.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import streamlit as st
import yaml

from dashboard import store
from dashboard.viewer import AccessDenied, Viewer

SESSION_KEY = "_demo_viewer"
# A deep link opened while logged out, kept in the browser across the provider's round trip: Streamlit's
# OIDC callback always lands on the app's root, so the page asked for would otherwise be lost.
DEEP_LINK_COOKIE = "udbredelse_deep_link"
DEEP_LINK_SECONDS = 900
_DEEP_LINK_CHECKED = "_deep_link_checked"
_DEEP_LINK_CLEAR = "_deep_link_clear"
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


def _set_cookie(value: str, max_age: int) -> None:
    """Set (or, with max_age 0, remove) the deep-link cookie in the browser: a first-party, short-lived,
    SameSite=Lax cookie holding only a page address of this app (Streamlit cannot set cookies itself)."""
    cookie = f"{DEEP_LINK_COOKIE}={quote(value, safe='')}; path=/; max-age={max_age}; SameSite=Lax"
    st.html(f"<script>document.cookie = {json.dumps(cookie)} + "
            "(window.location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


def remember_deep_link(url_path: str, params: dict[str, str], is_default: bool) -> None:
    """While logged out (OIDC): remember the page address asked for, with its parameters, so that the first
    run after the login opens it. The app's root without parameters forgets an older one."""
    if is_default and not params:
        if DEEP_LINK_COOKIE in st.context.cookies:
            _set_cookie("", 0)
        return
    _set_cookie("/" + url_path + ("?" + urlencode(params) if params else ""), DEEP_LINK_SECONDS)


def take_deep_link() -> tuple[str, dict[str, str]] | None:
    """The page address remembered before the login (url path, query parameters), once per session; the
    cookie is removed by `forget_deep_link` on this or the next run. Only a path of this app is returned:
    the caller opens it only when it is one of the viewer's pages."""
    if st.session_state.get(_DEEP_LINK_CHECKED):
        return None
    st.session_state[_DEEP_LINK_CHECKED] = True
    raw = st.context.cookies.get(DEEP_LINK_COOKIE)
    if not isinstance(raw, str) or not raw:
        return None
    st.session_state[_DEEP_LINK_CLEAR] = True
    target = urlsplit(unquote(raw))
    if target.scheme or target.netloc:
        return None
    return target.path.strip("/"), dict(parse_qsl(target.query))


def forget_deep_link() -> None:
    """Remove the deep-link cookie once it has been read (see take_deep_link)."""
    if st.session_state.pop(_DEEP_LINK_CLEAR, False):
        _set_cookie("", 0)
