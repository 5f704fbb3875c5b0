"""Implementering: implementation milestones by factor and phase; a municipality edits its own status."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import actions, components, queries, store

STATUS_LABELS = {"ikke_startet": "Ikke startet", "i_gang": "I gang", "opfyldt": "Opfyldt"}

viewer = components.require_viewer()
components.require_published()
st.title("Implementering")
indsats = components.select_indsats(viewer, "impl_indsats")
if indsats is None:
    st.stop()
components.log_view(viewer, "implementering", indsats=indsats)

frame = queries.milestones(viewer, indsats)
cells = queries.milestone_cells(viewer, indsats)
summary = queries.milestone_summary(viewer, indsats)
if not cells.empty:
    st.markdown("#### Andel opfyldte milepæle pr. faktor og fase")
    heat = alt.Chart(cells).mark_rect().encode(
        x=alt.X("phase:N", sort=alt.SortField("phase_order"), title="Fase"),
        y=alt.Y("factor_label:N", title="Faktor"),
        color=alt.Color("done:Q", title="Opfyldt", scale=alt.Scale(domain=[0, 1], scheme="greens")),
        tooltip=[alt.Tooltip("factor_label:N", title="Faktor"), alt.Tooltip("phase:N", title="Fase"),
                 alt.Tooltip("done:Q", title="Andel opfyldt", format=".0%")],
    )
    labels = heat.mark_text(baseline="middle").encode(text=alt.Text("done:Q", format=".0%"), color=alt.value("black"))
    components.chart(heat + labels)
    overdue = int(summary["over_tid"].sum())
    if overdue:
        st.warning(f"{overdue} milepæl(e) er over tid.")

if viewer.is_municipality:
    st.markdown("#### Opdatér jeres milepæle")
    base = queries.milestone_catalog(indsats)
    current = frame[["milestone_code", "status", "status_date"]] if not frame.empty else pd.DataFrame(
        columns=["milestone_code", "status", "status_date"])
    table = base.merge(current, on="milestone_code", how="left")
    table["status"] = table["status"].fillna("ikke_startet")
    table["status_date"] = pd.to_datetime(table["status_date"], errors="coerce").dt.date
    edited = st.data_editor(
        table[["milestone_code", "factor", "phase", "label", "status", "status_date"]],
        hide_index=True, width="stretch", key="impl_editor", num_rows="fixed",
        disabled=["milestone_code", "factor", "phase", "label"],
        column_config={
            "milestone_code": "Kode", "factor": "Faktor", "phase": "Fase", "label": "Milepæl",
            "status": st.column_config.SelectboxColumn("Status", options=list(STATUS_LABELS), required=True),
            "status_date": st.column_config.DateColumn("Dato", format="DD-MM-YYYY"),
        },
    )
    if st.button("Gem milepæle", key="impl_save", type="primary"):
        rows = [{"milepael": r.milestone_code, "status": r.status, "dato": r.status_date}
                for r in edited.itertuples(index=False)]
        name, content = actions.milestones_file(viewer, indsats, rows)
        report = actions.validate_upload(viewer, store.settings(), name, content)
        if report.status == "rejected":
            st.error("Milepælene kunne ikke gemmes: " + "; ".join(e.get("message", "") for e in
                                                                   report.to_json().get("errors", [])[:5]))
        else:
            actions.ingest_upload(viewer, store.settings(), name, content)
            st.success(f"Gemt som {name} (modtaget). Oversigten opdateres, så snart filen er indlæst; "
                       "følg den på siden Upload.")
elif not summary.empty:
    st.markdown("#### Status pr. kommune")
    st.dataframe(summary, hide_index=True, width="stretch", key="impl_summary", column_config={
        "kommunekode": "Kommune", "milepaele": "Milepæle",
        "opfyldt": st.column_config.ProgressColumn("Opfyldt", min_value=0, max_value=1, format="percent"),
        "over_tid": "Over tid"})
    components.download_buttons(viewer, summary, f"milepaele_{indsats}", key="impl_download")
else:
    st.info("Ingen kommuner har indberettet milepæle for denne indsats.")
