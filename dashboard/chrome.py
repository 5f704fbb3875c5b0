"""The app's frame around the pages: Streamlit's own English menus and table toolbars hidden.

Streamlit's menu ("Print", "Record screen", …) is switched off by `client.toolbarMode = "minimal"`
(.streamlit/config.toml and the `udbredelse dashboard` command line). Tables and charts carry a
hover toolbar of their own ("Download as CSV", "Search", "Fullscreen"), in English, whose download
bypasses the audit log; Streamlit has no option to turn it off, so it is hidden with CSS here.
Every download goes through `components.download_buttons`, which writes the audit record.
"""

from __future__ import annotations

import streamlit as st

HIDDEN_TOOLBARS_CSS = """
<style>
[data-testid="stElementToolbar"] { display: none !important; }
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"] { display: none !important; }
</style>
"""


def hide_streamlit_toolbars() -> None:
    st.set_option("client.toolbarMode", "minimal")
    st.html(HIDDEN_TOOLBARS_CSS)
