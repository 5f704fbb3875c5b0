"""Om indikatorerne: every indicator's definition, read from the dbt model yml (the same text as dbt docs)."""

import streamlit as st

from dashboard import components, data

viewer = components.require_viewer()
st.title("Om indikatorerne")
components.log_view(viewer, "om_indikatorerne")
st.write(
    "Definitionerne herunder læses direkte fra beskrivelserne i dbt-projektet – den samme tekst som "
    "dokumentationen af datamodellerne – så dashboard og beregning ikke kan komme ud af trit."
)
st.info(
    f"Diskretionering: uden for kommunens egen visning vises antal under "
    f"{data.settings().suppression_threshold} som «{data.suppression_label()}», og en rate skjules, "
    "når dens nævner er skjult."
)
definitions = data.indicator_definitions()
if definitions.empty:
    st.warning("Der er ingen indikatordefinitioner i dbt-projektet endnu.")
    st.stop()
codes = definitions[definitions["indicator"].notna()]
if not codes.empty:
    st.dataframe(codes[["indicator", "label", "definition", "model"]], hide_index=True, width="stretch",
                 key="def_table", column_config={"indicator": "Kode", "label": "Navn", "definition": "Definition",
                                                 "model": "dbt-model"})
models = definitions[definitions["indicator"].isna()]
for _, row in models.iterrows():
    with st.expander(f"dbt-model {row['model']}"):
        st.markdown(row["definition"] or "–")
        st.caption(row["source"])
