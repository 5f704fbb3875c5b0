"""Revisionslog (admin): the audit log's latest records and whether its hash chain is intact."""

import pandas as pd
import streamlit as st

from dashboard import audit, components, store

viewer = components.require_viewer("admin")
st.title("Revisionslog")
components.log_view(viewer, "revisionslog")
settings = store.settings()
ok, count = audit.verify(settings)
(st.success if ok else st.error)(
    f"{count} poster. Kæden af sha256-hashes er {'intakt' if ok else 'BRUDT – loggen er ændret'}."
)
records = audit.read_records(settings, limit=200)
if records:
    st.dataframe(pd.json_normalize(list(reversed(records))), hide_index=True, width="stretch", key="audit_table")
