"""Implementering: implementation milestones by factor and phase; a municipality edits its own status."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import actions, components, formatting, queries, store

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
catalog_labels = queries.catalog_labels(viewer)
phase_labels = catalog_labels.get("milestone_phase", {})
factor_labels = catalog_labels.get("factor", {})
if not cells.empty:
    st.markdown("#### Andel opfyldte milepæle pr. faktor og fase")
    cells = cells.assign(phase_label=cells["phase"].map(phase_labels).fillna(cells["phase"].str.capitalize()),
                         vist=[formatting.format_percent(v) for v in cells["done"]])
    heat = alt.Chart(cells).mark_rect().encode(
        x=alt.X("phase_label:N", sort=alt.SortField("phase_order"), title="Fase", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("factor_label:N", title="Faktor"),
        color=alt.Color("done:Q", title="Opfyldt", scale=alt.Scale(domain=[0, 1], scheme="greens"),
                        legend=alt.Legend(labelExpr="format(datum.value * 100, '.0f') + ' %'")),
        tooltip=[alt.Tooltip("factor_label:N", title="Faktor"), alt.Tooltip("phase_label:N", title="Fase"),
                 alt.Tooltip("vist:N", title="Andel opfyldt")],
    )
    labels = heat.mark_text(baseline="middle").encode(text="vist:N", color=alt.value("black"))
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
    table["status"] = table["status"].fillna("ikke_startet").map(STATUS_LABELS).fillna("Ikke startet")
    table["status_date"] = pd.to_datetime(table["status_date"], errors="coerce").dt.date
    table["factor"] = table["factor"].map(factor_labels).fillna(table["factor"])
    table["phase"] = table["phase"].map(phase_labels).fillna(table["phase"])
    codes = table["milestone_code"].tolist()
    edited = st.data_editor(
        table[["factor", "phase", "label", "status", "status_date"]],
        hide_index=True, width="stretch", key="impl_editor", num_rows="fixed",
        disabled=["factor", "phase", "label"],
        column_config={
            "factor": "Faktor", "phase": "Fase", "label": "Milepæl",
            "status": st.column_config.SelectboxColumn("Status", options=list(STATUS_LABELS.values()), required=True),
            "status_date": st.column_config.DateColumn("Dato", format="DD-MM-YYYY"),
        },
    )
    if st.button("Gem milepæle", key="impl_save", type="primary"):
        status_codes = {label: code for code, label in STATUS_LABELS.items()}
        rows = [{"milepael": code, "status": status_codes.get(r.status, r.status), "dato": r.status_date}
                for code, r in zip(codes, edited.itertuples(index=False), strict=True)]
        name, content = actions.milestones_file(viewer, indsats, rows)
        report = actions.validate_upload(viewer, store.settings(), name, content)
        if report.status == "rejected":
            st.error("Milepælene kunne ikke gemmes: " + "; ".join(e.get("message", "") for e in
                                                                   report.to_json().get("errors", [])[:5]))
        else:
            actions.submit_upload(viewer, store.settings(), name, content)
            st.success(f"Gemt som {name}. Oversigten opdateres, når filen er indlæst ved næste kørsel.")
elif not summary.empty:
    st.markdown("#### Milepæle pr. kommune")
    names = queries.municipalities(viewer).set_index("kommunekode")["kommunenavn"]
    shown = pd.DataFrame({
        "Kommune": summary["kommunekode"].map(names).fillna(summary["kommunekode"]),
        "Milepæle": summary["milepaele"],
        "Opfyldt": [formatting.format_percent(v) for v in summary["opfyldt"]],
        "Over tid": summary["over_tid"],
    })
    st.dataframe(shown, hide_index=True, width="stretch", key="impl_summary")
    components.download_buttons(viewer, shown.assign(Opfyldt=(summary["opfyldt"] * 100).round(1)).rename(
        columns={"Opfyldt": "Opfyldt (%)"}), f"milepaele_{indsats}", key="impl_download", sheet="Milepæle")
else:
    st.info("Ingen kommuner har indberettet milepæle for denne indsats.")
