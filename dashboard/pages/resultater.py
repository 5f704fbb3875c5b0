"""Resultater og målgruppe: success criteria, instruments (reliable change), register outcomes, the
profile at start, end reasons and implementation milestones, for the municipality (or, for analysts,
any municipality or the nation), beside the national level. Labels from the catalog, never codes."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, components, formatting, queries
from dashboard.viewer import NATIONAL

viewer = components.require_viewer()
components.require_published()
st.title("Resultater og målgruppe")

left, middle, right = st.columns([3, 2, 2])
with left:
    indsats = components.select_indsats(viewer, "resultater_indsats")
with middle:
    kommune = components.scope_kommune(viewer, "resultater_kommune")
if indsats is None:
    st.stop()
place = queries.municipality_name(viewer, kommune)
years = sorted(queries.indicators(viewer, indsats, "year", kommune, codes=["starts"])["period"].unique(),
               reverse=True)
if not years:
    st.info(f"Der er ingen tal for indsatsen i {place} endnu.")
    st.stop()
with right:
    year = st.selectbox("År", years, key="resultater_aar")
components.log_view(viewer, "resultater", indsats=indsats, kommune=kommune, year=year)
everything = queries.indicators(viewer, indsats, "year", kommune)
nation = queries.indicators(viewer, indsats, "year", NATIONAL) if kommune != NATIONAL \
    else pd.DataFrame(columns=everything.columns)


def _pick(frame: pd.DataFrame, prefix: str, period: str | None = None) -> pd.DataFrame:
    rows = frame[frame["indicator"].str.startswith(prefix)]
    return rows[rows["period"] == period] if period else rows


def _value(frame: pd.DataFrame, code: str, period: str) -> tuple[float | None, bool, object]:
    rows = frame[(frame["indicator"] == code) & (frame["period"] == period)]
    if rows.empty:
        return None, False, None
    return rows["value"].iloc[0], bool(rows["is_hidden"].iloc[0]), rows["mark"].iloc[0]


def _side_by_side(codes: list[str], period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shown table (text) and download table (numbers, % as 0-100) for own vs national."""
    shown, numbers = [], []
    for code in codes:
        own, own_hidden, own_mark = _value(everything, code, period)
        nat, nat_hidden, nat_mark = _value(nation, code, period)
        rate = formatting.indicator_kind(code) == "rate"
        name = queries.label(viewer, code)
        shown.append({"Indikator": name, place: formatting.format_value(own, code, own_hidden, own_mark),
                      "Hele landet": formatting.format_value(nat, code, nat_hidden, nat_mark)})
        scale = 100 if rate else 1
        numbers.append({"Indikator": name, "Enhed": "procent" if rate else "antal",
                        place: None if own is None or pd.isna(own) else round(own * scale, 1),
                        "Hele landet": None if nat is None or pd.isna(nat) or nat_hidden else round(nat * scale, 1)})
    if kommune == NATIONAL:
        shown = [{k: v for k, v in row.items() if k != "Hele landet"} for row in shown]
        numbers = [{k: v for k, v in row.items() if k != "Hele landet"} for row in numbers]
    return pd.DataFrame(shown), pd.DataFrame(numbers)


# ---- success criteria -------------------------------------------------------------------------------
st.markdown("#### Succeskriterier")
criteria = queries.success_criteria(viewer, indsats, kommune)
criteria = criteria[criteria["period"] == year] if not criteria.empty else criteria
if criteria.empty:
    st.info("Kataloget har ingen succeskriterier med tal for året.")
else:
    table = pd.DataFrame({
        "Kriterium": criteria["label"],
        "Grænse": [("mindst " if op == ">=" else "højst ") + formatting.format_value(t, c) for op, t, c in zip(
            criteria["operator"], criteria["threshold"], criteria["indicator"], strict=True)],
        "Resultat": [formatting.format_value(v, c, h, m) for v, c, h, m in zip(
            criteria["value"], criteria["indicator"], criteria["is_hidden"], criteria["mark"], strict=True)],
        "Opfyldt": ["–" if pd.isna(m) else ("Ja" if m else "Nej") for m in criteria["is_met"]],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="resultater_kriterier")
    st.caption("Grænserne kommer fra indsatsens katalog.")

# ---- instruments --------------------------------------------------------------------------------------
st.markdown("#### Måleredskaber: ændring fra start til slut")
instrument_codes = ["instrument_measured_share", "instrument_reliably_improved", "instrument_unchanged",
                    "instrument_deteriorated", "instrument_mean_change"]
present = [c for c in instrument_codes if not _pick(everything, c, year).empty]
if not present:
    st.info("Indsatsen har ingen måleredskaber med målinger i året.")
else:
    shown, numbers = _side_by_side(present, year)
    st.dataframe(shown, hide_index=True, width="stretch", key="resultater_maaleredskaber")
    st.caption("Gennemførte forløb med en måling ved både start og slut. Pålidelig ændring: forbedringen (eller "
               "forværringen) er mindst katalogets grænse for, hvad der er mere end måleusikkerhed.")
    components.download_buttons(viewer, numbers, f"maaleredskaber_{indsats}_{year}", key="resultater_instr_dl",
                                sheet="Måleredskaber")

# ---- register outcomes -----------------------------------------------------------------------------------
st.markdown("#### Registeropfølgning (Danmarks Statistik)")
register = _pick(everything, "register_")
if register.empty:
    st.info("Der er endnu ingen registertal for indsatsen (kun indsatser, der indsamler CPR-nummer).")
else:
    labels = queries.catalog_labels(viewer).get("register", {})
    rows = []
    for (period, code), sub in register.groupby(["period", "indicator"]):
        body = code[len("register_"):]
        window = next((w for w in formatting.REGISTER_WINDOWS if body.endswith("_" + w)), None)
        if window is None:
            continue
        name = labels.get(body[: -len(window) - 1], body[: -len(window) - 1].replace("_", " "))
        rows.append({"Startår": period, "Indikator": name, "window": window,
                     "vist": formatting.format_value(sub["value"].iloc[0], code, bool(sub["is_hidden"].iloc[0]),
                                                     sub["mark"].iloc[0]),
                     "courses": sub["denominator"].iloc[0]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        st.info("Ingen registertal at vise.")
    else:
        wide = frame.pivot_table(index=["Startår", "Indikator"], columns="window", values="vist", aggfunc="first")
        wide = wide.reindex(columns=[w for w in formatting.REGISTER_WINDOWS if w in wide.columns])
        wide.columns = [f"Andel {formatting.REGISTER_WINDOWS[w]}" for w in wide.columns]
        st.dataframe(wide.reset_index().fillna("endnu ikke målt"), hide_index=True, width="stretch",
                     key="resultater_register")
        st.caption("Andel af startårgangens borgere, fundet i registrene, hvor forholdet gælder året før start og "
                   "12 og 24 måneder efter. Et tal efter start vises først, når de 12 (24) måneder er gået.")

# ---- profile at start and end reasons -----------------------------------------------------------------
st.markdown(f"#### Målgruppen: hvem startede i {year}?")
profile_cols = st.columns(3)
for column, (prefix, title) in zip(profile_cols, [("starts_age_", "Alder ved start"), ("starts_sex_", "Køn"),
                                                  ("starts_reason_", "Henvisningsårsag")], strict=True):
    with column:
        st.markdown(f"**{title}**")
        rows = _pick(everything, prefix, year)
        if rows.empty or rows["value"].fillna(0).sum() == 0:
            st.caption("Ingen opstarter i året.")
            continue
        shown = rows.assign(
            label=[queries.label(viewer, c).removeprefix("Opstartede forløb, ").removeprefix("henvist for: ")
                   for c in rows["indicator"]],
            vist=[formatting.format_value(v, "count", h, m) for v, h, m in zip(rows["value"], rows["is_hidden"],
                                                                               rows["mark"], strict=True)],
        )
        bars = alt.Chart(shown).mark_bar(color="#1e3a8a").encode(
            y=alt.Y("label:N", title=None, sort=list(shown["label"]), axis=alt.Axis(labelLimit=220)),
            x=alt.X("value:Q", title="Forløb", axis=alt.Axis(labelExpr=charts.AXIS_LABELS["count"])),
            tooltip=[alt.Tooltip("label:N", title="Gruppe"), alt.Tooltip("vist:N", title="Forløb")],
        )
        components.chart(bars)

st.markdown(f"#### Hvorfor sluttede forløbene i {year}?")
ended = _pick(everything, "ended_reason_", year)
if ended.empty or ended["value"].fillna(0).sum() == 0:
    st.info("Ingen afsluttede forløb i året.")
else:
    shown, numbers = _side_by_side(ended.sort_values("value", ascending=False)["indicator"].tolist(), year)
    shown["Indikator"] = shown["Indikator"].str.removeprefix("Afsluttede forløb, årsag: ").str.capitalize()
    st.dataframe(shown.rename(columns={"Indikator": "Afslutningsårsag"}), hide_index=True, width="stretch",
                 key="resultater_afslutning")

# ---- implementation milestones -------------------------------------------------------------------------
st.markdown("#### Implementering: opfyldte milepæle")
milestones = _pick(everything, "milestones_done_share_", year)
if milestones.empty:
    st.info("Ingen milepæle indberettet for året.")
else:
    shown, numbers = _side_by_side(milestones["indicator"].tolist(), year)
    shown["Indikator"] = shown["Indikator"].str.removeprefix("Opfyldte milepæle: ")
    st.dataframe(shown.rename(columns={"Indikator": "Fase eller faktor"}), hide_index=True, width="stretch",
                 key="resultater_milepaele")
    st.caption("Andel af katalogets milepæle, der er opfyldt ved årets udgang (se også siden Implementering).")
