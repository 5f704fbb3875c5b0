"""Forløb der kræver opmærksomhed: the municipality's own courses to check or correct (marts.course_attention)."""

import streamlit as st

from dashboard import components, queries

viewer = components.require_viewer()
components.require_published()
st.title("Forløb der kræver opmærksomhed")
indsats = components.select_indsats(viewer, "opm_indsats")
if indsats is None:
    st.stop()
components.log_view(viewer, "opmaerksomhed", indsats=indsats)

frame = queries.course_attention(viewer, indsats)
if viewer.is_municipality:
    st.write("Forløbene nedenfor bør tjekkes i jeres fagsystem og rettes i næste indberetning.")
else:
    st.caption("Som analytiker ser du forløb under pseudonym; kun kommunen selv kan se sine forløbs-id'er.")
if frame.empty:
    st.success("Ingen forløb kræver opmærksomhed.")
    st.stop()

counts = frame.groupby("issue_label").size().rename("Forløb").reset_index().rename(columns={"issue_label": "Problem"})
st.dataframe(counts.sort_values("Forløb", ascending=False), hide_index=True, key="opm_summary")
issues = sorted(frame["issue_label"].dropna().unique().tolist())
chosen = st.multiselect("Vis problemer", issues, default=issues, key="opm_filter")
shown = frame[frame["issue_label"].isin(chosen)].drop(columns=["issue_code", "indsats"], errors="ignore").rename(columns={
    "kommunekode": "Kommune", "indsats": "Indsats", "forloeb_id": "Forløb-id", "forloeb_pseudonym": "Forløb (pseudonym)",
    "issue_code": "Kode", "issue_label": "Problem", "details": "Detaljer",
})
st.dataframe(shown, hide_index=True, width="stretch", key="opm_table")
components.download_buttons(viewer, shown, f"forloeb_opmaerksomhed_{indsats}", key="opm_download",
                            sheet="Forløb")
