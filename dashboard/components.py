"""Rendering helpers shared by the pages: viewer guard, selectors, KPI cards, downloads, audit of views."""

from __future__ import annotations

import os
import re
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import audit, auth, formatting, queries, store, tables
from dashboard.viewer import NATIONAL, AccessDenied, Viewer

# Colours as text and CSS, not emoji: headless and locked-down browsers often lack an emoji font.
LIGHT_LABELS = {"grøn": "Grøn", "groen": "Grøn", "gul": "Gul", "rød": "Rød", "roed": "Rød"}
LIGHT_COLOURS = {"Grøn": "#2e7d32", "Gul": "#b26a00", "Rød": "#c62828"}
LIGHT_MARKDOWN = {"Grøn": ":green[●]", "Gul": ":orange[●]", "Rød": ":red[●]"}
FAILING_LIGHTS = {"gul", "rød", "roed"}
BADGE_LABELS = {"god": "God", "middel": "Middel", "svag": "Svag"}


def actor(viewer: Viewer) -> dict[str, str | None]:
    return {"role": viewer.role, "kommunekode": viewer.kommunekode, "subject": viewer.subject, "login": viewer.login}


def require_viewer(*roles: str) -> Viewer:
    """The logged-in viewer; stops the page when nobody is logged in or the role may not see it."""
    try:
        viewer = auth.current_viewer()
    except AccessDenied as exc:
        st.error(str(exc))
        st.stop()
    if viewer is None:
        st.info("Du skal logge ind for at se denne side.")
        st.stop()
    if roles and viewer.role not in roles:
        st.error("Du har ikke adgang til denne side.")
        st.stop()
    return viewer


def require_published() -> None:
    if not store.published_available():
        st.warning("Der er endnu ikke publiceret data. Kør `udbredelse demo` eller `udbredelse build` først.")
        st.stop()


def log_view(viewer: Viewer, page: str, **detail: object) -> None:
    """Write a page view to the audit log once per session per page and selection."""
    seen = st.session_state.setdefault("_audited_views", set())
    key = (page, tuple(sorted((k, str(v)) for k, v in detail.items())))
    if key in seen:
        return
    audit.append(store.settings(), actor(viewer), "view", {"page": page, **detail})
    seen.add(key)


def _query_param(name: str) -> str | None:
    value = st.query_params.get(name)
    return str(value) if value else None


def select_indsats(viewer: Viewer, key: str) -> str | None:
    """Intervention picker (default from ?indsats=); None when there is nothing to pick."""
    frame = queries.interventions(viewer)
    if frame.empty:
        st.info("Der er ingen indsatser med data endnu.")
        return None
    codes = frame["indsats"].tolist()
    names = dict(zip(frame["indsats"], frame["name"], strict=True))
    wanted = _query_param("indsats")
    index = codes.index(wanted) if wanted in codes else 0
    if key in st.session_state:  # chosen before (or handed over by another page): the session's choice wins
        if st.session_state[key] not in codes:
            del st.session_state[key]
        else:
            index = 0  # a second default beside the session's value would make Streamlit warn
    return st.selectbox("Indsats", codes, index=index, key=key, format_func=lambda c: f"{c} – {names.get(c, c)}")


def select_period_type(key: str, default: str = "year") -> str:
    """Year / quarter / month buttons (year by default: a month of a few courses says little). Clicking
    the selected button again keeps it selected (Streamlit's segmented control would deselect it)."""
    memory = f"{key}__last"

    def _keep_selection() -> None:
        if st.session_state.get(key) is None:
            st.session_state[key] = st.session_state.get(memory, default)

    value = st.segmented_control(
        "Periode", list(formatting.PERIOD_TYPE_LABELS), default=default, key=key,
        format_func=lambda p: formatting.PERIOD_TYPE_LABELS[p], on_change=_keep_selection,
    ) or st.session_state.get(memory, default)
    st.session_state[memory] = value
    return value


def scope_kommune(viewer: Viewer, key: str, allow_national: bool = True) -> str:
    """The municipality a page shows: a municipality user's own, always (widgets, query params and
    session state cannot change it); analysts pick one (default from ?kommune=)."""
    if viewer.is_municipality:
        return str(viewer.kommunekode)
    frame = queries.municipalities(viewer)
    if not allow_national:
        frame = frame[frame["kommunekode"] != NATIONAL]
    codes = frame["kommunekode"].tolist()
    names = dict(zip(frame["kommunekode"], frame["kommunenavn"], strict=True))
    wanted = _query_param("kommune")
    index = codes.index(wanted) if wanted in codes else 0
    return st.selectbox("Kommune", codes, index=index, key=key, format_func=lambda k: f"{k} {names.get(k, '')}")


def kpi_cards(cards: list[queries.Kpi], badge: tuple[str | None, float | None]) -> None:
    columns = st.columns(len(cards) + 1)
    for column, card in zip(columns, cards, strict=False):
        value = formatting.format_value(card.value, card.code, card.hidden, card.mark)
        delta = None
        if card.delta is not None:
            if card.kind in ("rate", "index"):
                delta = f"{card.delta * 100:+.0f} procentpoint"
            else:
                delta = f"{card.delta:+.0f}"
        column.metric(card.label, value, delta, border=True, help="Ændring i forhold til forrige periode")
    label, score = badge
    columns[-1].metric("Datakvalitet", BADGE_LABELS.get(str(label), "–") if label else "–",
                       None if score is None else f"score {score:.0f}/100", delta_color="off", delta_arrow="off",
                       border=True, help="Datakvalitetsscore 0–100 for kommunens indberetninger (se Datakvalitet)")


def download_buttons(viewer: Viewer, frame: pd.DataFrame, basename: str, key: str, sheet: str = "Tabel") -> None:
    """CSV and XLSX downloads of a table for Danish Excel (`tables`: `;`, decimal comma, BOM; numeric
    cells on a sheet named `sheet`); each download is audited. Pass numbers, not formatted text, and
    Danish column headers."""
    if frame.empty:
        return
    safe_name = re.sub(r"[^A-Za-z0-9_-]+", "_", basename)
    left, right = st.columns(2)

    def _log(fmt: str) -> None:
        audit.append(store.settings(), actor(viewer), "export",
                     {"table": basename, "format": fmt, "rows": len(frame)})

    # Callables: the file is only built when someone actually downloads it (keeps page renders fast).
    left.download_button("Hent som CSV", lambda: tables.to_csv_bytes(frame), f"{safe_name}.csv", "text/csv",
                         key=f"{key}_csv", on_click=_log, args=("csv",))
    right.download_button(
        "Hent som Excel", lambda: tables.to_xlsx_bytes(frame, sheet=sheet), f"{safe_name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", on_click=_log, args=("xlsx",),
    )


def file_download(viewer: Viewer, label: str, make: Any, filename: str, mime: str, key: str,
                  detail: dict[str, object]) -> None:
    """One audited download button for a file built on click (e.g. the management report)."""
    def _log() -> None:
        audit.append(store.settings(), actor(viewer), "export", {"file": filename, **detail})

    st.download_button(label, make, filename, mime, key=key, on_click=_log, type="primary")


def chart(figure: Any, **kwargs: Any) -> None:
    """Draw an Altair chart (or a spec from `store.chart_spec`). Schema validation costs ~40 ms per chart per
    run, so it is done in the tests (DASHBOARD_VALIDATE_CHARTS=1) rather than on every render."""
    validate = os.environ.get("DASHBOARD_VALIDATE_CHARTS") == "1"
    spec = figure if isinstance(figure, dict) else figure.to_dict(validate=validate)  # a dict: store.chart_spec
    st.vega_lite_chart(spec=spec, width=kwargs.pop("width", "stretch"), **kwargs)


def light(value: object) -> str:
    """'grøn'/'gul'/'rød' from the mart as a Danish label ('' when not measured)."""
    return LIGHT_LABELS.get(str(value).lower(), "")


def light_markdown(value: object) -> str:
    return LIGHT_MARKDOWN.get(light(value), "○")


def light_style(label: object) -> str:
    colour = LIGHT_COLOURS.get(str(label))
    return f"color: {colour}; font-weight: 600" if colour else ""
