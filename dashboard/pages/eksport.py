"""Eksport (analysts/admin): the indicator table (analyst or public), the data-quality export and the cohort."""

import streamlit as st

from dashboard import actions, components, formatting, store

viewer = components.require_viewer("analyst", "admin")
components.require_published()
settings = store.settings()
st.title("Eksport")
components.log_view(viewer, "eksport")
st.write("Eksporterne laves fra den publicerede kopi og skrives i revisionsloggen.")

st.markdown("#### Indikatortabel")
audiences = actions.export_audiences(settings)
audience = st.radio(
    "Modtager", list(audiences), key="exp_audience", horizontal=True,
    format_func=lambda a: {"analyst": "Analytiker (intet skjult)", "public": "Offentlig (små tal skjult)"}[a],
)
description, file_name = audiences[audience]
st.write(f"Modtager: **{description}**. Filen hedder `{file_name}`, og dens første linje siger, hvem den er til "
         "og efter hvilken regel tal er skjult.")
st.caption("Filen er til dansk Excel: semikolon mellem felterne og decimalkomma.")
if st.button("Lav indikatoreksport", key="exp_indicators"):
    st.session_state["_exp_indicators"] = (audience, *actions.export_indicators(viewer, settings, audience))
made = st.session_state.get("_exp_indicators")
if made and made[0] == audience:  # only the file of the audience selected; another audience's file is not offered
    _, name, content, result = made
    st.download_button(f"Hent {name}", content, name, "text/csv", key="exp_indicators_dl")
    if result.get("first_line"):
        st.caption(f"Første linje: «{result['first_line']}»")
    st.caption(f"Rækker: {formatting.format_number(result.get('rows'))} · heraf skjult for offentligheden: "
               f"{formatting.format_number(result.get('suppressed_rows'))} · SHA-256: {result.get('sha256', '–')}")
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
