"""Upload: check a file (dry run), see the errors by row, then hand it to the municipality's inbox (normal ingest path)."""

import hashlib

import pandas as pd
import streamlit as st

from dashboard import actions, components, queries, store

viewer = components.require_viewer("kommune")
settings = store.settings()
st.title("Upload")
components.log_view(viewer, "upload")
st.write(
    f"Send jeres fil for kommune **{viewer.kommunekode}** (forløb, sessioner, målinger, måltal eller milepæle; "
    "CSV eller XLSX). Filen bliver først tjekket – intet gemmes, før du bekræfter."
)
uploaded = st.file_uploader("Vælg fil", type=["csv", "xlsx"], key="upload_file",
                            max_upload_size=settings.max_upload_mb)

if uploaded is not None:
    content = uploaded.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    checked = st.session_state.get("_upload_checked")
    if not checked or checked["digest"] != digest:
        try:
            report = actions.validate_upload(viewer, settings, uploaded.name, content)
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
        st.session_state["_upload_checked"] = {"digest": digest, "report": report.to_json(),
                                              "text": report.to_text(), "name": uploaded.name}
        checked = st.session_state["_upload_checked"]
    result = checked["report"]
    status = result["status"]
    summary = (f"{result['rows_total']} rækker: {result['rows_accepted']} godkendt, "
               f"{result['rows_rejected']} afvist, {len(result.get('warnings', []))} advarsler.")
    {"accepted": st.success, "partial": st.warning, "rejected": st.error}.get(status, st.info)(
        {"accepted": "Filen er godkendt. ", "partial": "Filen er delvist godkendt. ",
         "rejected": "Filen er afvist. "}.get(status, "") + summary
    )
    issues = [{"Type": "Fejl", **issue} for issue in result.get("errors", [])] + \
             [{"Type": "Advarsel", **issue} for issue in result.get("warnings", [])]
    if issues:
        frame = pd.DataFrame(issues).rename(columns={"row": "Række", "column": "Kolonne", "code": "Kode",
                                                     "message": "Besked"})
        keep = [c for c in ("Type", "Række", "Kolonne", "Besked", "Kode") if c in frame.columns]
        st.dataframe(frame[keep], hide_index=True, width="stretch", key="upload_issues")
        components.download_buttons(viewer, frame[keep], "valideringsrapport", key="upload_issues_dl")
    if status != "rejected":
        if st.button("Bekræft og indsend", key="upload_confirm", type="primary"):
            outcome = actions.submit_upload(viewer, settings, checked["name"], content)
            st.session_state["_upload_result"] = outcome
            st.session_state.pop("_upload_checked", None)
    else:
        st.info("Ret fejlene i filen, og upload den igen.")

outcome = st.session_state.get("_upload_result")
if outcome:
    received = pd.Timestamp(outcome["received_at"]).tz_convert("Europe/Copenhagen")
    st.success(
        f"Indsendt: {outcome['original_name']} er modtaget {received:%d-%m-%Y kl. %H.%M}. "
        "Filen indlæses fra jeres indbakke ved næste kørsel af pipelinen; derefter opdateres tallene."
    )

st.markdown("#### Jeres indsendte filer")
history = queries.submissions(viewer)
if history.empty:
    st.info("Ingen filer endnu (eller ingen publiceret kørsel).")
else:
    shown = history.rename(columns={
        "received_at": "Modtaget", "original_name": "Fil", "source": "Kanal", "indsats": "Indsats",
        "file_type": "Type", "reporting_date": "Indberetningsdato", "rows_read": "Rækker",
        "rows_accepted": "Godkendt", "rows_rejected": "Afvist", "warnings": "Advarsler", "status": "Status",
        "kommunekode": "Kommune",
    })
    st.dataframe(shown, hide_index=True, width="stretch", key="upload_history")
