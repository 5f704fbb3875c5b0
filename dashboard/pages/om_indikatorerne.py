"""Om indikatorerne: every indicator's definition, read from the dbt project (the same text as dbt docs)."""

import streamlit as st

from dashboard import components, formatting, queries, store

viewer = components.require_viewer()
st.title("Om indikatorerne")
components.log_view(viewer, "om_indikatorerne")
st.write(
    "Definitionerne herunder læses direkte fra dbt-projektet, hvor indikatorerne beregnes – den samme "
    "tekst som dokumentationen af datamodellerne – så dashboard og beregning ikke kan komme ud af trit."
)
st.info(
    f"Diskretionering: uden for kommunens egen visning vises antal under "
    f"{store.settings().suppression_threshold} som «{formatting.suppression_label()}», og en rate skjules, "
    "når dens nævner er skjult."
)
table = queries.indicator_catalogue(viewer)
if table.empty:
    st.warning("Der er ingen indikatordefinitioner i dbt-projektet endnu.")
    st.stop()
st.dataframe(table, hide_index=True, width="stretch", key="def_table")
components.download_buttons(viewer, table, "indikatordefinitioner", key="def_download")

definitions = queries.indicator_definitions()
models = definitions[definitions["indicator"].isna()]
if not models.empty:
    st.markdown("#### Indikatormodellerne i dbt")
    for _, row in models.iterrows():
        with st.expander(f"dbt-model {row['model']}"):
            st.markdown(row["definition"] or "–")
            st.caption(row["source"])
