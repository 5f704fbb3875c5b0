"""Om indikatorerne: every published indicator in plain Danish – its name, what it counts, from which
fields of the municipality's files, and why it matters – grouped by theme. The definitions are the ones the build computes from (the dbt project's indicator
definitions); codes and file names are left out, they mean nothing to a reader."""

import re

import pandas as pd
import streamlit as st

from dashboard import components, formatting, queries

viewer = components.require_viewer()
st.title("Om indikatorerne")
components.log_view(viewer, "om_indikatorerne")
st.write(
    "Her kan du læse, hvad hvert tal på siderne tæller, hvilke felter i kommunens egne filer det bygger på, og "
    "hvorfor det er vigtigt at følge. Alle tal beregnes ud fra de forløbsfiler, kommunerne "
    "indberetter, og ud fra indsatsens katalog (fx hvor mange samtaler et forløb bør have)."
)
st.info(
    f"Diskretionering: uden for kommunens egen visning vises antal under "
    f"{queries.suppression_threshold()} som «{formatting.suppression_label()}», og en andel skjules, "
    "når den bygger på så få forløb, at enkeltpersoner kunne genkendes."
)

THEMES = [
    ("Rekruttering og ventetid", ("referrals", "starts", "conversion_referral_start", "waiting_")),
    ("Måltal", ("target_",)),
    ("Forløb og afslutning", ("active_end", "overdue_active", "ended_", "completion_rate", "early_dropout_rate",
                              "duration_")),
    ("Fidelitet", ("fidelity_",)),
    ("Målgruppen ved start", ("starts_age_", "starts_sex_", "starts_reason_")),
    ("Måleredskaber", ("instrument_",)),
    ("Registeropfølgning", ("register_",)),
    ("Implementering", ("milestones_",)),
]


def _theme(code: str) -> str:
    for theme, prefixes in THEMES:
        if code.startswith(prefixes) and not (theme == "Rekruttering og ventetid" and code.startswith("starts_")):
            return theme
    return "Øvrige"


def _plain(text: str) -> str:
    """A definition without markdown code marks and internal names."""
    return re.sub(r"`([^`]*)`", r"\1", str(text or "")).strip()


glossary = queries.indicator_glossary(viewer)
if glossary.empty:
    st.warning("Der er endnu ikke publiceret indikatorer.")
    st.stop()
MISSING = "Mangler – kontakt Socialstyrelsen."
PARTS = [("Hvad tæller den?", "definition"), ("Hvor kommer tallet fra?", "source_fields"),
         ("Hvorfor er den vigtig?", "why_it_matters")]
rows = []
for row_data in glossary.itertuples(index=False):
    row = {"theme": _theme(row_data.indicator), "Indikator": row_data.label}
    for title, column in PARTS:
        row[title] = _plain(getattr(row_data, column)) or MISSING
    rows.append(row)
table = pd.DataFrame(rows)
order = [t for t, _ in THEMES] + ["Øvrige"]
for theme in order:
    part = table[table["theme"] == theme]
    if part.empty:
        continue
    with st.expander(f"{theme} ({len(part)})", expanded=theme == order[0]):
        for _, row in part.iterrows():
            st.markdown(f"**{row['Indikator']}**  \n" + "  \n".join(
                f"*{title}* {row[title]}" for title, _ in PARTS))
components.download_buttons(viewer, table.rename(columns={"theme": "Tema"}), "indikatordefinitioner",
                            key="def_download", sheet="Indikatorer")
