"""Overblik: a municipality's management information for one intervention, beside the national level."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import components, formatting, queries
from dashboard.viewer import NATIONAL

viewer = components.require_viewer()
components.require_published()
st.title("Overblik")

left, middle, right = st.columns([3, 2, 2])
with left:
    indsats = components.select_indsats(viewer, "overblik_indsats")
with middle:
    kommune = components.scope_kommune(viewer, "overblik_kommune")
with right:
    period_type = components.select_period_type("overblik_periode")
if indsats is None:
    st.stop()
components.log_view(viewer, "overblik", indsats=indsats, kommune=kommune, period_type=period_type)

place = queries.municipality_name(viewer, kommune)
latest, cards = queries.kpis(viewer, indsats, period_type, kommune)
if latest is None:
    st.info(f"Der er ingen indikatorer for {indsats} i {place} endnu.")
    st.stop()
st.subheader(f"{place} · {indsats} · seneste periode {latest}")
if not viewer.is_municipality or kommune == NATIONAL:
    st.caption(f"Små tal vises som «{formatting.suppression_label()}» (diskretionering).")
components.kpi_cards(cards, queries.quality_badge(viewer, indsats, kommune))

st.markdown("#### Rekruttering i forhold til måltal")
recruit = queries.recruitment(viewer, indsats, kommune)
if recruit.empty or recruit["starts_ytd"].isna().all():
    st.info("Ingen opstarter eller måltal at vise.")
else:
    base = alt.Chart(recruit).encode(x=alt.X("month_date:T", title="Måned", axis=alt.Axis(format="%m-%Y", tickCount="month")))
    actual = base.mark_line(point=True).encode(
        y=alt.Y("starts_ytd:Q", title="Opstartede forløb år til dato"),
        tooltip=[alt.Tooltip("period:N", title="Periode"), alt.Tooltip("starts:Q", title="Opstart i måneden"),
                 alt.Tooltip("starts_ytd:Q", title="År til dato"), alt.Tooltip("target:Q", title="Årets måltal")],
    )
    pace = base.mark_line(strokeDash=[6, 4], color="gray").encode(y="target_pace:Q")
    components.chart(actual + pace)
    target = recruit["target"].dropna()
    st.caption(f"Fuld linje: opstartede forløb fra 1. januar {recruit['month_date'].dt.year.max()}. "
               "Stiplet linje: måltallet fordelt jævnt over året"
               + (f" (årets måltal: {target.iloc[-1]:.0f})." if not target.empty else "."))

funnel_col, compare_col = st.columns(2)
with funnel_col:
    funnel = queries.funnel(viewer, indsats, kommune)
    st.markdown(f"#### Fra henvisning til afslutning ({funnel['period'].iloc[0] if not funnel.empty else '–'})")
    if funnel.empty:
        st.info("Ingen forløb i året.")
    else:
        funnel["vist"] = [formatting.format_value(v, "count", h) for v, h in zip(funnel["value"], funnel["is_hidden"],
                                                                           strict=True)]
        bars = alt.Chart(funnel).mark_bar().encode(
            y=alt.Y("label:N", sort=alt.SortField("order"), title=None),
            x=alt.X("value:Q", title="Forløb"),
            color=alt.Color("label:N", legend=None, sort=alt.SortField("order"),
                            scale=alt.Scale(range=["#90caf9", "#1e88e5", "#2e7d32", "#c62828"])),
            tooltip=[alt.Tooltip("label:N", title="Trin"), alt.Tooltip("vist:N", title="Antal")],
        )
        text = bars.mark_text(align="left", dx=3).encode(text="vist:N")
        components.chart(bars + text)
with compare_col:
    st.markdown("#### Sammenlignet med hele landet")
    comparison = queries.national_comparison(viewer, indsats, period_type, kommune)
    if comparison.empty:
        st.info("Ingen tal at sammenligne.")
    else:
        shown = pd.DataFrame({
            "Indikator": comparison["label"],
            place: [formatting.format_value(v, c, h) for v, c, h in zip(
                comparison["own"], comparison["indicator"], comparison["own_hidden"], strict=True)],
            "Hele landet": [formatting.format_value(v, c, bool(h) if pd.notna(h) else False) for v, c, h in zip(
                comparison["national"], comparison["indicator"], comparison["national_hidden"], strict=True)],
        })
        st.dataframe(shown, hide_index=True, width="stretch", key="overblik_sammenligning")
        st.caption(f"Periode {comparison['period'].iloc[0]}")
        components.download_buttons(viewer, shown, f"sammenligning_{kommune}_{indsats}", key="overblik_sml_dl")

st.markdown("#### Fidelitet: regler som trafiklys")
rules = queries.fidelity_rules(viewer, indsats, period_type, kommune)
rules = rules[(rules["period"] == latest) & (rules["rule_code"] != queries.COMPOSITE_RULE)] if not rules.empty else rules
if rules.empty:
    st.info("Ingen fidelitetsregler er målt i perioden.")
else:
    table = pd.DataFrame({
        "Lys": [components.light(v) for v in rules["light"]],
        "Regel": rules["label"],
        "Overholdt": [formatting.format_value(v, "fidelity_index", h) for v, h in zip(rules["adherence"], rules["is_hidden"],
                                                                               strict=True)],
        "Forløb tjekket": [formatting.format_value(v, "count", h) for v, h in zip(rules["checked"], rules["is_hidden"],
                                                                            strict=True)],
    })
    st.dataframe(table.style.map(components.light_style, subset=["Lys"]), hide_index=True, width="stretch",
                 key="overblik_fidelitet")
    components.download_buttons(viewer, table, f"fidelitet_{kommune}_{indsats}_{latest}", key="overblik_fid_dl")
    failing = rules[rules["light"].astype(str).str.lower().isin(components.FAILING_LIGHTS)]
    for _, rule in failing.iterrows():
        with st.expander(f"{components.light_markdown(rule['light'])} {rule['label']} – hvad kan I gøre?"):
            st.write(rule.get("guidance") or "")
