"""Fidelitet: from a rule to its trend, the courses behind it and (caseload) the caseworkers' caseloads.

A municipality sees its own course ids and caseworker ids; analysts see keyed pseudonyms
(`queries.fidelity_courses`, `queries.caseloads` scope and pseudonymise; this page only renders)."""

import pandas as pd
import streamlit as st

from dashboard import charts, components, formatting, queries, runchart, trends
from dashboard.viewer import NATIONAL

viewer = components.require_viewer()
components.require_published()
st.title("Fidelitet")
st.write("Hvor godt følges indsatsens fidelitetsregler – og hvilke forløb og medarbejdere står bag, når en "
         "regel ikke overholdes?")

left, middle = st.columns([3, 2])
with left:
    indsats = components.select_indsats(viewer, "fidelitet_indsats_valg")
with middle:
    kommune = components.scope_kommune(viewer, "fidelitet_kommune", allow_national=False)
if indsats is None:
    st.stop()
rules = queries.fidelity_rules(viewer, indsats, "month", kommune)
rules = rules[rules["rule_code"] != queries.COMPOSITE_RULE] if not rules.empty else rules
if rules.empty:
    st.info("Der er ingen fidelitetsregler målt for indsatsen endnu.")
    st.stop()
labels = rules.drop_duplicates("rule_code").set_index("rule_code")["label"].to_dict()
guidance = rules.drop_duplicates("rule_code").set_index("rule_code")["guidance"].to_dict() \
    if "guidance" in rules else {}
codes = list(labels)
if st.session_state.get("fidelitet_regel_valg") not in codes:
    st.session_state["fidelitet_regel_valg"] = codes[0]
rule = st.selectbox("Regel", codes, format_func=lambda c: labels.get(c, c), key="fidelitet_regel_valg")
components.log_view(viewer, "fidelitet", indsats=indsats, kommune=kommune, rule=rule)

st.markdown("#### Hvad siger kataloget?")
st.info(guidance.get(rule) or "Kataloget har ingen vejledning til reglen.")

# ---- the rule's trend -----------------------------------------------------------------------------
st.markdown("#### Reglens udvikling (andel overholdt pr. måned)")
trend = trends.last_months(rules[rules["rule_code"] == rule].sort_values("period"))
trend = trend[trend["adherence"].notna()]
if trend.empty:
    st.info("Ingen måneder med tal at vise.")
else:
    result = runchart.anhoej(trend["adherence"].tolist())
    shown = trend.assign(
        value=trend["adherence"],
        month_date=trends.month_index(trend["period"]),
        month_text=[formatting.period_label(p) for p in trend["period"]],
        shown=[formatting.format_value(v, "fidelity_index", False, m) for v, m in zip(trend["adherence"],
                                                                                      trend["mark"], strict=True)],
        marked=trend["mark"].notna(),
        in_run=[result.long_run and result.longest_run_start is not None
                and result.longest_run_start <= i <= result.longest_run_end for i in range(len(trend))],
    )
    components.chart(charts.run_chart(shown, float(result.median), "rate"))
    if charts.hidden_caption(shown):
        st.caption(charts.hidden_caption(shown) + " " + formatting.suppression_legend(analyst=True))
    (st.warning if result.signal else st.caption)(
        runchart.summary_sentence("Andelen, der overholder reglen,", result,
                                  [formatting.month_tick(p) for p in trend["period"]]))

# ---- the courses behind the rule ------------------------------------------------------------------
st.markdown("#### Forløbene bag reglen")
latest = rules.loc[rules["rule_code"] == rule, "period"].max()
since = f"{str(latest)[:4]}-01-01" if latest else None
courses = queries.fidelity_courses(viewer, indsats, kommune, rule, since=since)
id_column = "forloeb_id" if "forloeb_id" in courses else "forloeb_pseudonym"
if courses.empty:
    st.info("Ingen forløb er tjekket mod reglen i år.")
else:
    failed = courses[~courses["is_passed"].astype(bool)]
    st.write(f"I {str(latest)[:4]} er {formatting.format_number(len(courses))} tjek af reglen lavet; "
             f"{formatting.format_number(len(failed))} overholdt ikke reglen.")
    if viewer.sees_all_municipalities:
        st.caption("Som analytiker ser du forløb under pseudonym; kun kommunen selv kan se sine forløbs-id'er.")
    table = pd.DataFrame({
        "Forløb" if id_column == "forloeb_id" else "Forløb (pseudonym)": courses[id_column],
        "Tjekket den": [formatting.format_date(d) for d in courses["check_date"]],
        "Overholdt": ["Ja" if p else "Nej" for p in courses["is_passed"].astype(bool)],
    })
    only_failed = st.toggle("Vis kun forløb, der ikke overholdt reglen", value=True, key="fidelitet_kun_fejl")
    shown = table[table["Overholdt"] == "Nej"] if only_failed else table
    st.dataframe(shown, hide_index=True, width="stretch", key="fidelitet_forloeb")
    download = shown.assign(**{"Tjekket den": pd.to_datetime(
        courses.loc[shown.index, "check_date"]).dt.date})
    components.download_buttons(viewer, download, f"fidelitet_{rule}_{indsats}", key="fidelitet_forloeb_dl",
                                sheet="Forløb")

# ---- caseworkers' caseload ------------------------------------------------------------------------
rule_type = rules.loc[rules["rule_code"] == rule, "rule_type"].iloc[0] if "rule_type" in rules else None
if rule_type == "caseload" and kommune != NATIONAL:
    st.markdown("#### Sagsstamme pr. medarbejder")
    period = str(latest)
    loads = queries.caseloads(viewer, indsats, kommune, "month", period)
    if loads.empty:
        st.info("Ingen medarbejdere med aktive forløb ved periodens slutning.")
    else:
        maximum = loads["max_caseload"].dropna()
        limit = f" (katalogets maksimum: {formatting.format_number(maximum.iloc[0])} forløb)" if not maximum.empty else ""
        st.write(f"Aktive forløb pr. medarbejder ved udgangen af {formatting.period_label(period)}{limit}.")
        if viewer.sees_all_municipalities:
            st.caption("Medarbejdere vises under pseudonym.")
        table = pd.DataFrame({
            "Medarbejder": loads["medarbejder"],
            "Aktive forløb": loads["active_courses"].astype(int),
            "Maksimum": loads["max_caseload"],
            "Over maksimum": ["Nej" if p else "Ja" for p in loads["is_passed"].astype(bool)],
        })
        st.dataframe(table, hide_index=True, width="stretch", key="fidelitet_sagsstamme")
        components.download_buttons(viewer, table, f"sagsstamme_{indsats}_{period}", key="fidelitet_sagsstamme_dl",
                                    sheet="Sagsstamme")
