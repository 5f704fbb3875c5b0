"""Upload: check a file (dry run), see the errors by row and what a course snapshot would change,
confirm, and follow the file on its way: modtaget → kontrolleret → indlæst → tallene er opdateret.

The page never writes the warehouse: a confirmed file goes to the municipality's inbox
(`actions.submit_upload`), where the worker started with the dashboard (or Airflow's ingest DAG)
loads it and refreshes the numbers.
"""

import hashlib

import pandas as pd
import streamlit as st

from dashboard import actions, components, store, uploads
from udbredelse.catalog import load_catalog
from udbredelse.ingest.snapshot import changed_text, vanish_limit

viewer = components.require_viewer("kommune")
settings = store.settings()
kommune = viewer.kommunekode
st.title("Upload")
components.log_view(viewer, "upload")

# Streamlit's file widget has English texts that cannot be translated: hide them, say it in Danish.
st.html("""<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "Vælg fil"; font-size: 1rem; }
</style>""")
st.write(
    f"Send jeres fil for kommune **{kommune}** (forløb, sessioner, målinger, måltal eller milepæle; "
    "CSV eller XLSX). Filen bliver først tjekket – intet gemmes, før du bekræfter."
)

round_no = st.session_state.setdefault("_upload_round", 0)
uploaded = st.file_uploader(
    f"Vælg fil (CSV eller XLSX, højst {settings.max_upload_mb} MB)", type=["csv", "xlsx"],
    key=f"upload_file_{round_no}", max_upload_size=settings.max_upload_mb,
    help="Træk filen hen på feltet, eller klik på 'Vælg fil'. Filen tjekkes først; intet gemmes, før du bekræfter.",
)


def _next_file() -> None:
    """A fresh widget and page for the next file."""
    st.session_state["_upload_round"] = round_no + 1
    st.session_state.pop("_upload_checked", None)


def _render_issues(result: dict) -> None:
    issues = [{"Type": "Fejl", **issue} for issue in result.get("errors", [])] + \
             [{"Type": "Advarsel", **issue} for issue in result.get("warnings", [])]
    if not issues:
        return
    frame = pd.DataFrame(issues)
    frame["Række"] = frame["row"].map(lambda r: "hele filen" if r is None or pd.isna(r) else str(int(r)))
    frame["Kolonne"] = frame["column"].map(lambda c: c if isinstance(c, str) else "")
    shown = frame.rename(columns={"message": "Besked", "code": "Kode"})[["Type", "Række", "Kolonne", "Besked", "Kode"]]
    st.dataframe(shown, hide_index=True, width="stretch", key="upload_issues")
    components.download_buttons(viewer, shown, "valideringsrapport", key="upload_issues_dl")


if uploaded is not None:
    content = uploaded.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    st.session_state.pop("_upload_sent", None)  # a new file: the previous one's way is in the history
    before = uploads.already_received(settings, kommune, digest)
    if before:
        st.info(f"Filen er allerede modtaget den {before}; intet nyt er indlæst.")
        st.button("Vælg en ny fil", key="upload_reset", on_click=_next_file)
        st.stop()
    checked = st.session_state.get("_upload_checked")
    if not checked or checked["digest"] != digest:
        try:
            report = actions.validate_upload(viewer, settings, uploaded.name, content)
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
        result = report.to_json()
        diff = None
        if result["file"]["file_type"] == "courses" and result["status"] != "rejected" and result["file"]["indsats"]:
            current = uploads.current_snapshot(settings, kommune, result["file"]["indsats"])
            found = actions.preview_snapshot(viewer, settings, uploaded.name, content, current)
            if found is not None and current.height:
                limit = vanish_limit(load_catalog(settings.catalog_path))
                diff = {"summary": found.summary(), "vanishing": len(found.vanishing),
                        "vanishing_text": found.vanishing_text(limit), "changed_text": changed_text(found),
                        "beyond": found.exceeds(limit)}
        st.session_state["_upload_checked"] = {"digest": digest, "report": result, "name": uploaded.name,
                                               "diff": diff}
        checked = st.session_state["_upload_checked"]
    result = checked["report"]
    status = result["status"]
    summary = (f"{result['rows_total']} rækker: {result['rows_accepted']} godkendt, "
               f"{result['rows_rejected']} afvist, {len(result.get('warnings', []))} advarsler.")
    {"accepted": st.success, "partial": st.warning, "rejected": st.error}.get(status, st.info)(
        {"accepted": "Filen er godkendt. ", "partial": "Filen er delvist godkendt. ",
         "rejected": "Filen er afvist. "}.get(status, "") + summary
    )
    _render_issues(result)
    diff = checked.get("diff")
    if diff:
        st.markdown("#### Hvad filen ændrer")
        st.write(diff["summary"])
        if diff["changed_text"]:
            with st.expander("Ændrede forløb"):
                st.write(diff["changed_text"])
        if diff["vanishing"]:
            (st.error if diff["beyond"] else st.warning)(diff["vanishing_text"])
    if status == "rejected":
        st.info("Ret fejlene i filen, og upload den igen.")
    else:
        vanishing = diff["vanishing"] if diff else 0
        agreed = True
        if vanishing:
            agreed = st.checkbox(f"Ja, de {vanishing} forløb skal forsvinde fra tallene", key="upload_agree_vanishing")
        left, right = st.columns(2)
        if left.button("Bekræft og indsend", key="upload_confirm", type="primary", disabled=not agreed):
            receipt = actions.submit_upload(viewer, settings, checked["name"], content, vanishing=vanishing or None)
            st.session_state["_upload_sent"] = receipt["file_id"]
            _next_file()
            st.rerun()
        if right.button("Fortryd", key="upload_cancel"):
            _next_file()
            st.rerun()


@st.fragment(run_every=2)
def _progress() -> None:
    """Where the last sent file is; refreshes itself until the numbers are updated."""
    file_id = st.session_state.get("_upload_sent")
    if not file_id:
        return
    steps = uploads.progress(settings, kommune, file_id)
    done = [s for s in steps if s["time"]]
    lines = [f"- {'✓' if s['time'] else '…'} {s['text']}" + (f" ({s['time']})" if s["time"] else "") for s in steps]
    last = done[-1]["state"] if done else "received"
    box = st.success if last == "published" else st.warning if last in ("held", "rejected") else st.info
    box("Indsendt. Filens vej:\n" + "\n".join(lines))


_progress()


held_files = uploads.held_files(settings, kommune)
if held_files:
    st.markdown("#### Filer der afventer bekræftelse")
    for record in held_files:
        snapshot = record.get("snapshot", {})
        count = len(snapshot.get("vanishing", []))
        with st.container(border=True):
            st.write(f"**{record.get('name')}** (modtaget {uploads.time_text(record.get('received_at'))}, "
                     f"{uploads.SOURCE_TEXT.get(record.get('source'), '')}): tallene er uændrede, indtil filen er bekræftet.")
            st.error(snapshot.get("vanishing_text", ""))
            if record.get("confirmation"):
                st.info("Bekræftet – filen indlæses ved næste kørsel.")
            elif st.button(f"Bekræft: de {count} forløb skal forsvinde", key=f"held_confirm_{record['file_id'][:16]}"):
                actions.confirm_held(viewer, settings, record["file_id"], count)
                st.session_state["_upload_sent"] = record["file_id"]
                st.rerun()

st.markdown("#### Jeres indsendte filer")
history = uploads.history(settings, kommune)
if history.empty:
    st.info("Ingen filer endnu.")
else:
    st.dataframe(history, hide_index=True, width="stretch", key="upload_history")
