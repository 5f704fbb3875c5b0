"""Entry point (`udbredelse dashboard`): login, then st.navigation with the pages the viewer's role may see."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from dashboard import audit, auth, chrome, components, queries, store  # noqa: E402
from dashboard.viewer import NATIONAL, ROLE_LABELS, AccessDenied, Viewer  # noqa: E402

PAGES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    # (file, title, url path, icon, roles)
    ("pages/overblik.py", "Overblik", "overblik", ":material/dashboard:", ("kommune", "analyst", "admin")),
    ("pages/fidelitet.py", "Fidelitet", "fidelitet", ":material/rule:", ("kommune", "analyst", "admin")),
    ("pages/resultater.py", "Resultater og målgruppe", "resultater", ":material/insights:",
     ("kommune", "analyst", "admin")),
    ("pages/opmaerksomhed.py", "Forløb der kræver opmærksomhed", "opmaerksomhed", ":material/flag:",
     ("kommune", "analyst", "admin")),
    ("pages/upload.py", "Upload", "upload", ":material/upload_file:", ("kommune",)),
    ("pages/datakvalitet.py", "Datakvalitet", "datakvalitet", ":material/fact_check:", ("kommune", "analyst", "admin")),
    ("pages/implementering.py", "Implementering", "implementering", ":material/checklist:",
     ("kommune", "analyst", "admin")),
    ("pages/nationalt.py", "Nationalt overblik", "nationalt", ":material/map:", ("analyst", "admin")),
    ("pages/eksport.py", "Eksport", "eksport", ":material/download:", ("analyst", "admin")),
    ("pages/om_indikatorerne.py", "Om indikatorerne", "om-indikatorerne", ":material/menu_book:",
     ("kommune", "analyst", "admin")),
    ("pages/revisionslog.py", "Revisionslog", "revisionslog", ":material/receipt_long:", ("admin",)),
]


AUDIENCES = {"kommune": "kommunernes medarbejdere", "analyst": "Socialstyrelsens analytikere",
             "admin": "administratorer"}


def _not_for_you(title: str, roles: tuple[str, ...]) -> Callable[[], None]:
    """A Danish notice for the address of a page the viewer's role may not see (instead of Streamlit's
    English "Page not found"); the page itself never runs."""

    def notice() -> None:
        st.title("Siden er ikke tilgængelig")
        audience = " og ".join(AUDIENCES[r] for r in roles)
        st.info(f"Siden «{title}» er kun for {audience}. Vælg en af dine sider i menuen til venstre.",
                icon=":material/block:")

    return notice


def pages_for(viewer: Viewer) -> list[st.Page]:
    """The viewer's pages, and for every other page's address a hidden Danish notice."""
    return [st.Page(path, title=title, url_path=url, icon=icon) if viewer.role in roles
            else st.Page(_not_for_you(title, roles), title=title, url_path=url, icon=icon, visibility="hidden")
            for path, title, url, icon, roles in PAGES]


def login_page() -> None:
    st.title("Log ind")
    if auth.oidc_configured():
        st.write("Log ind med din organisations konto.")
        if st.button("Log ind", key="login_oidc", type="primary"):
            st.login()
        return
    if not store.settings().is_demo:
        st.error("Der er ikke sat login (OIDC) op, og platformen kører i produktion. Kontakt administratoren.")
        return
    st.warning("**DEMO-login** – kun til demonstration. Vælg en rolle; der er ingen adgangskode.", icon="⚠️")
    role = st.selectbox("Rolle", list(ROLE_LABELS), key="login_role", format_func=lambda r: ROLE_LABELS[r])
    kommune = None
    if role == "kommune":
        names = queries.municipalities(Viewer(role="analyst")) if store.published_available() else None
        if names is not None and not names.empty:
            names = names[names["kommunekode"] != NATIONAL]
            codes = names["kommunekode"].tolist()
            labels = dict(zip(names["kommunekode"], names["kommunenavn"], strict=True))
            kommune = st.selectbox("Kommune", codes, key="login_kommune",
                                   format_func=lambda k: f"{k} {labels.get(k, '')}")
        else:
            kommune = st.text_input("Kommunekode", value="101", key="login_kommune")
    if st.button("Log ind", key="login_submit", type="primary"):
        try:
            viewer = auth.demo_login(role, kommune)
        except AccessDenied as exc:
            st.error(str(exc))
            return
        audit.append(store.settings(), components.actor(viewer), "login", {})
        st.rerun()


def _only(page: Callable[[], None], title: str, url_path: str, icon: str, keep_deep_link: bool = False) -> None:
    """Run one page (login, refusal) whatever the address: a bookmarked page address shows it too,
    instead of Streamlit's "Page not found"; no page of the dashboard is registered. With `keep_deep_link`
    (the OIDC login) the address asked for is remembered across the provider's round trip."""
    urls = [url_path] + [url for _, _, url, _, _ in PAGES]
    current = st.navigation([st.Page(page, title=title, url_path=url, icon=icon, default=url == url_path)
                             for url in urls], position="hidden")
    if keep_deep_link:
        asked = current.url_path or url_path
        auth.remember_deep_link(asked, st.query_params.to_dict(), is_default=asked == url_path)
    current.run()


def main() -> None:
    st.set_page_config(page_title="Udbredelse – monitorering", page_icon=":material/monitoring:", layout="wide")
    chrome.hide_streamlit_toolbars()
    try:
        viewer = auth.current_viewer()
    except auth.SessionExpired as exc:  # the identity token has expired: log in again, see nothing else
        notice = str(exc)

        def expired_login_page() -> None:
            st.warning(notice, icon=":material/timer_off:")
            login_page()

        _only(expired_login_page, "Log ind", "log-ind", ":material/login:", keep_deep_link=auth.oidc_configured())
        return
    except AccessDenied as exc:  # logged in, but no (valid) role: the refusal and no page
        refusal = str(exc)

        def refused_page() -> None:
            st.title("Ingen adgang")
            st.error(refusal)
            if auth.oidc_configured() and st.button("Log ud", key="logout_refused"):
                auth.logout()

        _only(refused_page, "Ingen adgang", "ingen-adgang", ":material/block:")
        return
    if viewer is None:
        # Every page's address shows the login while logged out, so a deep link is kept after login (the
        # demo login reruns at the same address; the OIDC login keeps it in a short-lived cookie).
        _only(login_page, "Log ind", "log-ind", ":material/login:", keep_deep_link=auth.oidc_configured())
        return
    pages = pages_for(viewer)
    current = st.navigation(pages)
    if viewer.login == "oidc":  # back from the provider (always at the root): open the page asked for
        wanted = auth.take_deep_link()
        by_url = {url: page for (_, _, url, _, _), page in zip(PAGES, pages, strict=True)}
        target = by_url.get(wanted[0]) if wanted else None
        if target is not None and (target is not current or wanted[1]):
            st.switch_page(target, query_params=wanted[1])
        auth.forget_deep_link()
    if viewer.login == "demo":
        st.warning(f"**DEMO-login** · {viewer.label} · demodata, ingen rigtig adgangskontrol", icon="⚠️")
    with st.sidebar:
        st.caption(viewer.label)
        stamp = store.published_at()
        st.caption(f"Data publiceret {stamp:%d-%m-%Y %H:%M}" if stamp is not None else "Ingen publicerede data")
        if st.button("Log ud", key="logout"):
            audit.append(store.settings(), components.actor(viewer), "logout", {})
            auth.logout()
            if viewer.login == "oidc":
                st.stop()  # the browser follows st.logout's redirect (a rerun would drop it)
            st.rerun()
    current.run()


main()
