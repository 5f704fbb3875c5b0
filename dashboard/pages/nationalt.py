"""Nationalt overblik (analysts): all municipalities × interventions, trends, distributions and outliers."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, components, formatting, provisional, queries
from dashboard.store import chart_spec
from dashboard.viewer import NATIONAL

viewer = components.require_viewer("analyst", "admin")
components.require_published()
st.title("Nationalt overblik")
st.caption(formatting.suppression_legend(analyst=True))

published_codes = queries.indicator_codes(viewer)
labels = {code: queries.label(viewer, code) for code in queries.indicator_labels(published_codes)}  # in definition order
codes = list(labels)
if not codes:
    st.info("Der er ingen indikatorer endnu.")
    st.stop()
left, right = st.columns([3, 1])
with left:
    indicator = st.selectbox("Indikator", codes, key="nat_indicator", format_func=lambda c: labels[c])
with right:
    period_type = components.select_period_type("nat_periode")
components.log_view(viewer, "nationalt", indicator=indicator, period_type=period_type)

matrix = queries.national_matrix(viewer, indicator, period_type)
if matrix.empty:
    st.info("Ingen tal for denne indikator.")
    st.stop()
coverage = queries.period_coverage(viewer, period_type)  # provisional periods and the national coverage
matrix = provisional.with_coverage(matrix, coverage)
periods = matrix.groupby("indsats")["period"].first()
period_status = matrix.groupby("indsats")[["provisional", "coverage"]].first()
period = max(periods)
title = labels[indicator]
kind = formatting.indicator_kind(indicator)


def _axis(kind: str, title: str) -> alt.Axis:
    return alt.Axis(labelExpr=charts.AXIS_LABELS.get(kind, charts.AXIS_LABELS["count"]), title=title)


st.subheader(title)

matrix = formatting.displayed(matrix)
matrix["indsats"] = [f"{i} ({periods[i]}{', ' + provisional.LABEL if period_status.loc[i, 'provisional'] else ''})"
                     for i in matrix["indsats"]]
wide_text = matrix.pivot_table(index=["kommunekode", "kommunenavn"], columns="indsats", values="vist",
                               aggfunc="first").reset_index()
st.markdown("#### Alle kommuner × indsatser (hver indsats i sin seneste endelige periode)")
st.dataframe(wide_text, hide_index=True, width="stretch", key="nat_matrix",
             column_config={"kommunekode": "Kommune", "kommunenavn": "Navn"})
covered = [f"{i} {provisional.period_text(formatting.period_label(periods[i]), period_status.loc[i, 'provisional'])}: "
           f"{period_status.loc[i, 'coverage']}" for i in periods.index if period_status.loc[i, "coverage"]]
if covered:
    st.caption("Hele landet dækker " + "; ".join(covered) + ". " + provisional.LEGEND_TEXT)
components.download_buttons(viewer, wide_text, f"nationalt_{indicator}_{period}", key="nat_download")

dist_col, out_col = st.columns(2)
with dist_col:
    st.markdown("#### Fordeling mellem kommuner")
    values = matrix[(matrix["kommunekode"] != NATIONAL) & matrix["value"].notna()]
    if values.empty:
        st.info("Alle celler er diskretioneret.")
    else:
        values = values.assign(marked=values["mark"].notna())

        def _distribution(values: pd.DataFrame, kind: str, title: str) -> alt.Chart:
            return alt.Chart(values).mark_tick(thickness=2, size=20).encode(
                x=alt.X("value:Q", axis=_axis(kind, title)),
                y=alt.Y("indsats:N", title="Indsats"),
                color=alt.condition("datum.marked", alt.value(charts.MARK_COLOUR), alt.value("#1e3a8a")),
                tooltip=[alt.Tooltip("kommunenavn:N", title="Kommune"), alt.Tooltip("indsats:N", title="Indsats"),
                         alt.Tooltip("vist:N", title="Værdi")],
            )
        components.chart(chart_spec(_distribution, values, kind, title))
        if values["marked"].any():
            st.caption("Røde streger: tal, som den offentlige diskretionering skjuler (må ikke offentliggøres).")
with out_col:
    st.markdown("#### Afvigere (mere end 2 standardafvigelser)")
    flagged = queries.outliers(matrix)
    if flagged.empty:
        st.success("Ingen afvigere i perioden.")
    else:
        st.dataframe(flagged[["kommunekode", "kommunenavn", "indsats", "vist", "z"]], hide_index=True,
                     key="nat_outliers", column_config={"vist": "Værdi", "z": st.column_config.NumberColumn(
                         "z-score", format="%.1f")})

st.markdown("#### Udvikling pr. indsats (hele landet)")
trend = queries.national_trends(viewer, indicator, period_type)
national = trend[trend["kommunekode"] == NATIONAL].dropna(subset=["value"])
if national.empty:
    st.info("Ingen landstal.")
else:
    national = provisional.with_coverage(formatting.displayed(national), coverage)
    national["periode"] = [provisional.period_text(p, f) for p, f in zip(national["period"], national["provisional"],
                                                                          strict=True)]
    national = national.assign(marked=national["mark"].notna())
    x = alt.X("period:N", title="Periode", axis=alt.Axis(labelAngle=-45))
    tooltip = [alt.Tooltip("indsats:N", title="Indsats"), alt.Tooltip("periode:N", title="Periode"),
               alt.Tooltip("vist:N", title="Værdi"), alt.Tooltip("coverage:N", title="Dækning")]
    axis = _axis(kind, title)
    lines = alt.Chart().mark_line(point=True).encode(x=x, y=alt.Y("value:Q", axis=axis), tooltip=tooltip)
    marked = alt.Chart().mark_point(shape="diamond", filled=False, size=110, strokeWidth=2, color=charts.MARK_COLOUR
                                    ).encode(x=x, y=alt.Y("value:Q", axis=axis), tooltip=tooltip).transform_filter(
        "datum.marked")  # the true point, marked: may not be published
    rings = provisional.marks(national, x, tooltip=tooltip, inherit_data=True)
    layered = alt.layer(lines, marked, *([rings] if rings is not None else []), data=national)
    components.chart(layered.properties(height=140, width=260).facet(facet=alt.Facet("indsats:N", title=None),
                                                                    columns=2), width="content")
    if rings is not None:
        st.caption("Ring om punktet: foreløbig periode (" + "; ".join(
            f"{r.indsats} {formatting.period_label(r.period)}: {r.coverage}"
            for r in national[national["provisional"]].drop_duplicates(["indsats", "period"]).itertuples()) + ").")
    if national["marked"].any():
        st.caption("◇ rød ruder: landstallet må ikke offentliggøres (mærket står i værktøjstippet).")

st.markdown("#### Forløbstragt pr. indsats (hele landet, seneste år)")
year_coverage = queries.period_coverage(viewer, "year")
funnels = [queries.funnel(viewer, code, NATIONAL).assign(indsats=code) for code in periods.index]
funnels = [provisional.with_coverage(f, year_coverage) for f in funnels if not f.empty and "indsats" in f]
funnels = [f.assign(indsats=[f"{i} {provisional.period_text(str(p), v)} · {c}" if c else f"{i} {p}"
                             for i, p, v, c in zip(f["indsats"], f["period"], f["provisional"], f["coverage"],
                                                   strict=True)]) for f in funnels]
if funnels:
    frame = pd.concat(funnels, ignore_index=True)
    frame["vist"] = [formatting.format_value(v, "count", h, m) for v, h, m in zip(
        frame["value"], frame["is_hidden"], frame["mark"], strict=True)]
    components.chart(chart_spec(charts.funnel_chart, frame, facet="indsats"), width="content")
