"""Datakvalitet: the data-quality scorecard and what to fix (marts.dq_scorecard, marts.dq_feedback)."""

import altair as alt
import streamlit as st

from dashboard import components, queries

viewer = components.require_viewer()
components.require_published()
st.title("Datakvalitet")
components.log_view(viewer, "datakvalitet")

card = queries.dq_scorecard(viewer)
if card.empty:
    st.info("Der er ingen datakvalitetsmåling endnu.")
    st.stop()

DIMENSIONS = {
    "timeliness_score": "Rettidighed", "coverage_score": "Dækning", "completeness_score": "Komplethed",
    "validity_score": "Validitet", "consistency_score": "Konsistens", "outlier_score": "Afvigelser",
}
dims = [c for c in DIMENSIONS if c in card.columns]
if viewer.is_municipality:
    for _, row in card.iterrows():
        st.subheader(f"{row['indsats']}: {components.BADGE_LABELS.get(row.get('quality_badge'), '–')} "
                     f"· score {row.get('score', '–')}/100")
        cols = st.columns(max(len(dims), 1))
        for col, dim in zip(cols, dims, strict=False):
            value = row[dim]
            col.metric(DIMENSIONS[dim], "–" if value is None or value != value else f"{value * 100:.0f} %")
else:
    st.caption("Score 0–100 pr. kommune og indsats; klik på en kolonne for at sortere.")
    chart = alt.Chart(card).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(step=10), title="Score"),
        y=alt.Y("count():Q", title="Kommune × indsats"),
        color=alt.Color("quality_badge:N", title="Mærke",
                        scale=alt.Scale(domain=["god", "middel", "svag"], range=["#2e7d32", "#f9a825", "#c62828"])),
    )
    components.chart(chart)
    keep = [c for c in ("kommunekode", "kommunenavn", "indsats", "score", "quality_badge", *dims,
                        "periods_late", "periods_missing", "rows_rejected", "courses_with_issues") if c in card.columns]
    config = {d: st.column_config.ProgressColumn(DIMENSIONS[d], min_value=0, max_value=1, format="percent")
              for d in dims}
    config.update({"score": st.column_config.NumberColumn("Score", format="%d"),
                   "quality_badge": "Mærke", "kommunekode": "Kommune", "kommunenavn": "Navn", "indsats": "Indsats"})
    st.dataframe(card[keep], hide_index=True, width="stretch", column_config=config, key="dq_table")
    components.download_buttons(viewer, card[keep], "datakvalitet", key="dq_download")

st.markdown("#### Det skal I rette" if viewer.is_municipality else "#### Tilbagemeldinger til kommunerne")
feedback = queries.dq_feedback(viewer)
if feedback.empty:
    st.success("Ingen tilbagemeldinger – godt arbejde.")
else:
    severity = {"error": "Skal rettes", "warning": "Bør rettes", "info": "Til orientering"}
    if "severity" in feedback:
        feedback["severity"] = feedback["severity"].map(severity).fillna(feedback["severity"])
    labels = {"kommunekode": "Kommune", "indsats": "Indsats", "severity": "Alvor", "area": "Område",
              "message": "Hvad", "found_in": "Hvor", "fix_hint": "Sådan retter I"}
    shown = feedback[[c for c in labels if c in feedback.columns]].rename(columns=labels)
    if viewer.is_municipality:
        shown = shown.drop(columns=["Kommune"], errors="ignore")
    else:
        st.caption("Forløb vises som pseudonymer (F-…), de samme som i listen over forløb der kræver opmærksomhed.")
    st.dataframe(shown, hide_index=True, width="stretch", key="dq_feedback")
    components.download_buttons(viewer, shown, "datakvalitet_tilbagemeldinger", key="dq_feedback_download")
