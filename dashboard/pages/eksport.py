"""Eksport (analysts/admin): the indicator table (analyst or public), the data-quality export and the cohort."""

import streamlit as st

from dashboard import actions, components, store

viewer = components.require_viewer("analyst", "admin")
components.require_published()
settings = store.settings()
st.title("Eksport")
components.log_view(viewer, "eksport")
st.write("Eksporterne laves fra den publicerede kopi og skrives i revisionsloggen.")

st.markdown("#### Indikatortabel")
audience = st.radio(
    "Modtager", list(actions.EXPORT_AUDIENCES), key="exp_audience", horizontal=True,
    format_func=lambda a: {"analyst": "Analytiker (intet skjult)", "public": "Offentlig (små tal skjult)"}[a],
)
description, file_name = actions.EXPORT_AUDIENCES[audience]
st.write(f"Modtager: **{description}**. Filen hedder `{file_name}`.")
if st.button("Lav indikatoreksport", key="exp_indicators"):
    st.session_state["_exp_indicators"] = (audience, *actions.export_indicators(viewer, settings, audience))
made = st.session_state.get("_exp_indicators")
if made and made[0] == audience:  # only the file of the audience selected; another audience's file is not offered
    _, name, content, result = made
    st.download_button(f"Hent {name}", content, name, "text/csv", key="exp_indicators_dl")
    st.caption(", ".join(f"{k}: {v}" for k, v in result.items() if k in ("rows", "suppressed", "sha256")))
elif made:
    st.caption("Der er ikke lavet en fil til denne modtager endnu.")

st.markdown("#### Datakvalitet")
if st.button("Lav datakvalitetseksport", key="exp_quality"):
    st.session_state["_exp_quality"] = actions.export_quality(viewer, settings)
if "_exp_quality" in st.session_state:
    name, content, _ = st.session_state["_exp_quality"]
    st.download_button(f"Hent {name}", content, name, key="exp_quality_dl")

if viewer.role == "admin":
    st.markdown("#### Kohorte til registeropfølgning (Danmarks Statistik)")
    st.caption("Krypteret til modtageren; kun administratorer. Indeholder CPR inde i krypteringen.")
    if st.button("Lav kohorteudtræk", key="exp_cohort"):
        st.session_state["_exp_cohort"] = actions.export_cohort(viewer, settings)
    if "_exp_cohort" in st.session_state:
        name, content, _ = st.session_state["_exp_cohort"]
        st.download_button(f"Hent {name}", content, name, "application/zip", key="exp_cohort_dl")
