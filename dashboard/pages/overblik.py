"""Overblik: a municipality's management information for one intervention, as a monthly management
meeting uses it: key figures (year by default), 24-month trends beside the national level and
comparable municipalities, run-chart signals in words, fidelity lights, and the XLSX report."""

import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, components, formatting, provisional, queries, runchart, trends
from dashboard.store import chart_spec, derived, settings
from dashboard.viewer import NATIONAL
from udbredelse.catalog import load_catalog

viewer = components.require_viewer()
components.require_published()
st.title("Overblik")

left, middle, right = st.columns([3, 2, 2])
with left:
    indsats = components.select_indsats(viewer, "overblik_indsats")
with middle:
    kommune = components.scope_kommune(viewer, "overblik_kommune")
with right:
    period_type = components.select_period_type("overblik_periode")
if indsats is None:
    st.stop()
components.log_view(viewer, "overblik", indsats=indsats, kommune=kommune, period_type=period_type)

mi = load_catalog(settings().catalog_path).common.get("management_information", {})
key_figures = [(k["indicator"], k["subject"]) for k in mi.get("key_figures", [])]
min_courses = queries.mi_parameter("mi_min_courses", float(mi.get("min_courses", 10)))
place = queries.municipality_name(viewer, kommune)
names = queries.interventions(viewer).set_index("indsats")["name"].to_dict()

# ---- key figures ---------------------------------------------------------------------------------
codes = [c for c, _ in key_figures] + ["target_projection_year_end", "starts", "target_year"]
frame = queries.indicators(viewer, indsats, period_type, kommune, codes=codes)
if frame.empty:
    st.info(f"Der er ingen indikatorer for {names.get(indsats, indsats)} i {place} endnu.")
    st.stop()
if "fidelity_index" not in set(frame["indicator"]):  # older marts: the index is the rule summary's composite row
    _, kpi_cards = queries.kpis(viewer, indsats, period_type, kommune)
    index_card = next((c for c in kpi_cards if c.code == "fidelity_index"), None)
    if index_card is not None:
        periods_now = sorted(frame["period"].unique())
        extra = [{"kommunekode": kommune, "indsats": indsats, "period_type": period_type, "period": p,
                  "indicator": "fidelity_index", "value": v, "is_hidden": index_card.hidden,
                  "mark": index_card.mark}
                 for p, v in zip(periods_now[-2:][::-1], (index_card.value, index_card.previous), strict=False)]
        frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
all_periods = sorted(frame["period"].unique())
coverage = queries.period_coverage(viewer, period_type, indsats)
if kommune == NATIONAL:  # the national figures default to the last complete period (marts.period_coverage)
    pending = set(coverage.loc[coverage["provisional"], "period"])
    all_periods = [p for p in all_periods if p not in pending] or all_periods
latest = all_periods[-1]
previous = all_periods[-2] if len(all_periods) > 1 else None
latest_status = provisional.with_coverage(pd.DataFrame({"indsats": [indsats], "period": [latest]}), coverage).iloc[0]
st.subheader(f"{place} · {names.get(indsats, indsats)} · " + provisional.period_text(
    formatting.period_label(latest), kommune == NATIONAL and latest_status["provisional"]))
if kommune == NATIONAL and latest_status["coverage"]:
    st.caption(f"Hele landet dækker {latest_status['coverage']} i perioden.")
if not viewer.is_municipality or kommune == NATIONAL:
    st.caption(formatting.suppression_legend(analyst=not viewer.is_municipality))


def _row(code: str, period: str | None) -> pd.Series | None:
    if period is None:
        return None
    rows = frame[(frame["indicator"] == code) & (frame["period"] == period)]
    return None if rows.empty else rows.iloc[0]


def _shown(code: str, row: pd.Series | None) -> str:
    if row is None:
        return "–"
    return formatting.format_value(row["value"], code, bool(row.get("is_hidden", False)), row.get("mark"))


cards = []
for code, _subject in key_figures:
    now, before = _row(code, latest), _row(code, previous)
    kind = formatting.indicator_kind(code)
    delta, delta_color, note = None, "normal", "Ændring i forhold til forrige periode"
    if now is not None and before is not None and pd.notna(now["value"]) and pd.notna(before["value"]):
        change = float(now["value"]) - float(before["value"])
        delta = (f"{formatting.format_number(change * 100)} procentpoint" if kind == "rate"
                 else formatting.format_number(change))
        if change > 0 and not delta.startswith("+"):
            delta = "+" + delta
        delta_color = "inverse" if code == "waiting_days_median" else "normal"
    if kind in ("rate", "days") and now is not None and code != "target_attainment_ytd" and \
            trends.few_courses(now.get("denominator"), min_courses) and not bool(now.get("is_hidden", False)):
        courses = now.get("denominator")
        delta = f"få forløb ({formatting.format_number(courses)})" if pd.notna(courses) else "få forløb"
        delta_color = "off"
        note = (f"Tallet bygger på færre end {formatting.format_number(min_courses)} forløb og vurderes derfor "
                "ikke. Se udviklingen over 12 måneder nedenfor.")
    cards.append((queries.label(viewer, code), _shown(code, now), delta,
                  delta_color, note))

projection = _row("target_projection_year_end", latest)
target = _row("target_year", latest[:4])
if projection is not None:
    detail = "Fremskrevne opstarter ved årets slut i forhold til årets måltal"
    if pd.notna(projection.get("numerator")) and pd.notna(projection.get("denominator")):
        detail += (f": {formatting.format_number(projection['numerator'])} af "
                   f"{formatting.format_number(projection['denominator'])} forløb")
    cards.insert(1, ("Fremskrevet ved årets slut", _shown("target_projection_year_end", projection), None, "off",
                     detail + "."))
badge, score = queries.quality_badge(viewer, indsats, kommune)
cards.append(("Datakvalitet", components.BADGE_LABELS.get(str(badge), "–") if badge else "–",
              None if score is None else f"score {formatting.format_number(score)} af 100", "off",
              "Datakvalitetsscore 0–100 for kommunens indberetninger (se Datakvalitet)"))
for start in range(0, len(cards), 3):
    for column, (label, value, delta, colour, note) in zip(st.columns(3), cards[start:start + 3], strict=False):
        column.metric(label, value, delta, delta_color=colour, border=True, help=note,
                      delta_arrow="off" if colour == "off" else "auto")

# ---- 24-month trends beside the national level and comparable municipalities ----------------------
st.markdown(f"#### Udviklingen de seneste 24 måneder: {place}")
trend_codes = tuple(c for c, _ in key_figures)
rolling_codes = tuple(c for c in trend_codes if formatting.indicator_kind(c) == "rate" and c != "target_attainment_ytd")
monthly = queries.indicators(viewer, indsats, "month", kommune, codes=list(trend_codes))
national = queries.indicators(viewer, indsats, "month", NATIONAL, codes=list(trend_codes)) if kommune != NATIONAL \
    else pd.DataFrame(columns=monthly.columns)
group = queries.comparison_group(viewer, indsats, kommune) if kommune != NATIONAL else {}
comparable = queries.comparable_medians(viewer, indsats, kommune, trend_codes, rolling=rolling_codes)
st.caption(
    "Rater (fx gennemførelsesraten) vises som rullende 12-måneders tal: alle forløb i de seneste 12 måneder "
    "under ét (for en ny indsats de måneder, der er), så en måned med få forløb ikke får linjen til at svinge."
)
if group:
    source = ("deres tal, også dem, der skjules i de offentlige tal" if viewer.sees_all_municipalities else
              "deres tal, som de er offentliggjort (tal, der skjules af hensyn til diskretion, indgår ikke)")
    widened = (f" Gruppen er udvidet, fordi for få kommuner med indsatsen hører til den første gruppe "
               f"({group['first_label']})." if group["widened"] else "")
    st.caption(
        f"Sammenlignelige kommuner: {group['label']} ({formatting.format_number(len(group['members']))} "
        f"kommuner). Linjen er medianen af {source}, i de måneder, hvor mindst "
        f"{formatting.format_number(group['min_members'])} af dem har et tal.{widened}"
    )


def _series(rows: pd.DataFrame, code: str, name: str, rolled: bool) -> pd.DataFrame:
    """One line of a trend chart, with `hidden` (blanked for this viewer: marked on the axis, not a hole) and
    `mark` (the public policy's verdict beside a value the viewer sees). A rolling rate is hidden when a
    month of its window is, and carries a mark when one of them does."""
    rows = rows[rows["indicator"] == code]
    # a figure the public table carries only for whole years (catalog `publication`) is no hidden point of
    # a monthly line: it is left out, and the chart says so (`not_monthly` below)
    rows = rows[~(rows["is_hidden"].astype(bool) & rows["mark"].eq(formatting.NOT_PUBLIC))]
    if rows.empty:
        return pd.DataFrame(columns=["period", "value", "series", "hidden", "mark"])
    rows = rows.assign(hidden=rows["is_hidden"].astype(bool), marked=rows["mark"].notna() & ~rows["is_hidden"])
    if rolled:  # a new intervention: from its third month, over the months it has (up to 12)
        windows = derived(trends.rolling_any, rows, ["hidden", "marked"])
        rolling = derived(trends.rolling_rate, rows.drop(columns=["hidden", "marked"]), min_months=3)
        keys = [c for c in ("kommunekode", "indsats", "indicator", "period") if c in rolling and c in windows]
        rows = rolling.merge(windows, on=keys, how="left")
        rows = rows.assign(value=rows["rolling_value"],
                           mark=rows["marked"].map(lambda m: formatting.HIDDEN_LABEL if m else None))
        rows = rows[rows["value"].notna() | rows["hidden"]]
    return rows[["period", "value", "hidden", "mark"]].assign(series=name)


if kommune != NATIONAL and not group:
    st.caption("Der er endnu for få andre kommuner med indsatsen at sammenligne med.")
elif kommune != NATIONAL and comparable.empty and viewer.is_municipality:
    st.caption("Andre kommuners tal offentliggøres kun for hele år (en kommunes tal for en måned er for små "
               "til at beskytte), så der er ingen månedlig sammenligningslinje.")
elif kommune != NATIONAL and comparable.empty:
    st.caption("De sammenlignelige kommuner har endnu ingen måned, hvor nok af dem har et tal, så der er "
               "ingen sammenligningslinje.")
month_coverage = queries.period_coverage(viewer, "month", indsats)
national_name = queries.municipality_name(viewer, NATIONAL)
if month_coverage["provisional"].any():
    st.caption("Ring om et punkt på landslinjen: foreløbig måned – ikke alle kommuner har indberettet den, og "
               "fristen er ikke overskredet, så landstallet kan ændre sig.")


def _trend_with_rings(series: pd.DataFrame, kind: str) -> alt.TopLevelMixin:
    """The trend chart with the national line's provisional months ringed (a chart_spec builder: all it reads
    is its arguments)."""
    figure = charts.trend_chart(series, kind)
    rings = provisional.marks(series, "month_date:T", tooltip=[
        alt.Tooltip("series:N", title="Serie"), alt.Tooltip("month_text:N", title="Måned"),
        alt.Tooltip("shown:N", title="Værdi")])
    return alt.layer(figure, rings) if rings is not None else figure


columns = st.columns(2)
for n, (code, subject) in enumerate(key_figures):
    rolled = code in rolling_codes
    parts = [_series(monthly, code, place, rolled)]
    not_monthly = False
    if kommune != NATIONAL:
        parts.append(_series(national, code, "Hele landet", rolled))
        mine = national[national["indicator"] == code]
        not_monthly = bool(len(mine)) and bool((mine["is_hidden"].astype(bool)
                                                & mine["mark"].eq(formatting.NOT_PUBLIC)).all())
    med = comparable[comparable["indicator"] == code] if not comparable.empty else comparable
    if not med.empty:
        parts.append(med[["period", "value"]].assign(series=f"{med['group_label'].iloc[0]} (median)"))
    series = trends.last_months(pd.concat(parts, ignore_index=True))
    series["hidden"] = series["hidden"].astype("boolean").fillna(False).astype(bool) if "hidden" in series \
        else False
    series = series[series["value"].notna() | series["hidden"]]
    with columns[n % 2]:
        title = queries.label(viewer, code)
        st.markdown(f"**{title}**" + (" – rullende 12 måneder" if rolled else ""))
        if series.empty:
            st.info("Ingen tal at vise endnu.")
            continue
        kind = formatting.indicator_kind(code)
        marks = series["mark"] if "mark" in series else pd.Series(None, index=series.index, dtype=object)
        series = series.assign(
            month_date=trends.month_index(series["period"]),
            month_text=[formatting.period_label(p) for p in series["period"]],
            shown=[formatting.format_value(v, code, h, m) for v, h, m in zip(series["value"], series["hidden"],
                                                                             marks, strict=True)],
            marked=marks.notna() & ~series["hidden"],
        )
        # the national line's provisional months: marked, with the municipalities the figure covers
        series = provisional.with_coverage(series.assign(indsats=indsats), month_coverage)
        series["provisional"] &= series["series"].eq(national_name)
        series.loc[series["provisional"], "shown"] = [
            f"{v} ({provisional.LABEL}: {c})" for v, c in series.loc[series["provisional"], ["shown", "coverage"]]
            .itertuples(index=False)]
        components.chart(chart_spec(_trend_with_rings, series, kind))
        caption = charts.hidden_caption(series)
        if caption:
            st.caption(caption)
        if not_monthly:
            st.caption(f"Hele landet: {title.lower()} offentliggøres kun for hele år, så der er ingen landslinje "
                       "pr. måned.")
        # Stable over time? Anhøj's rules on the municipality's own monthly values.
        own = trends.last_months(monthly[monthly["indicator"] == code].sort_values("period"))
        own = own[own["value"].notna()]
        if own.empty:
            continue
        chart_result = runchart.anhoej(own["value"].tolist())
        ticks = [formatting.month_tick(p) for p in own["period"]]
        sentence = runchart.summary_sentence(subject, chart_result, ticks)
        (st.warning if chart_result.signal else st.caption)(sentence)
        if chart_result.n_useful:
            with st.expander("Seriediagram (månedstal og median)"):
                runs = own.assign(
                    month_date=trends.month_index(own["period"]),
                    month_text=[formatting.period_label(p) for p in own["period"]],
                    shown=[formatting.format_value(v, code, False, m) for v, m in zip(own["value"], own["mark"],
                                                                                      strict=True)],
                    marked=own["mark"].notna(),
                    in_run=[chart_result.long_run and chart_result.longest_run_start is not None
                            and chart_result.longest_run_start <= i <= chart_result.longest_run_end
                            for i in range(len(own))],
                )
                components.chart(chart_spec(charts.run_chart, runs, float(chart_result.median), kind))
                if charts.hidden_caption(runs):
                    st.caption(charts.hidden_caption(runs))
                st.caption("Stiplet linje: medianen. Et usædvanligt langt forløb på samme side af medianen eller "
                           "for få krydsninger af den (Anhøjs regler) tyder på en reel ændring, ikke tilfældig "
                           "variation.")

# ---- funnel and comparison ------------------------------------------------------------------------
funnel_col, compare_col = st.columns(2)
with funnel_col:
    funnel = queries.funnel(viewer, indsats, kommune)
    funnel_year = funnel["period"].iloc[0] if not funnel.empty else "–"
    national_provisional = kommune == NATIONAL and provisional.with_coverage(
        pd.DataFrame({"indsats": [indsats], "period": [funnel_year]}),
        queries.period_coverage(viewer, "year", indsats))["provisional"].iloc[0]
    st.markdown(f"#### Fra henvisning til afslutning ({funnel_year}"
                f"{', ' + provisional.LABEL if national_provisional else ''})")
    if funnel.empty:
        st.info("Ingen forløb i året.")
    else:
        funnel["vist"] = [formatting.format_value(v, "count", h, m) for v, h, m in zip(
            funnel["value"], funnel["is_hidden"], funnel["mark"], strict=True)]
        if funnel["is_hidden"].all():  # the steps exist but are hidden: say so, never an empty chart
            st.info("Tallene for året er skjult, så et lille tal ikke kan regnes ud: " + ", ".join(
                f"{label.lower()} {shown}" for label, shown in zip(funnel["label"], funnel["vist"], strict=True))
                + ".")
        else:
            components.chart(chart_spec(charts.funnel_chart, funnel))
            if funnel["is_hidden"].any():
                st.caption("Et trin uden søjle er skjult («<5»: et lille tal; «skjult»: skjult, så et lille tal ikke "
                           "kan regnes ud).")
with compare_col:
    st.markdown("#### Sammenlignet med hele landet")
    comparison = queries.national_comparison(viewer, indsats, period_type, kommune)
    if comparison.empty:
        st.info("Ingen tal at sammenligne.")
    else:
        shown = pd.DataFrame({
            "Indikator": comparison["label"],
            place: [formatting.format_value(v, c, h, m) for v, c, h, m in zip(
                comparison["own"], comparison["indicator"], comparison["own_hidden"], comparison["own_mark"],
                strict=True)],
            "Hele landet": [formatting.format_value(v, c, bool(h) if pd.notna(h) else False, m) for v, c, h, m in zip(
                comparison["national"], comparison["indicator"], comparison["national_hidden"],
                comparison["national_mark"], strict=True)],
        })
        st.dataframe(shown, hide_index=True, width="stretch", key="overblik_sammenligning")
        compared = provisional.with_coverage(comparison[["period"]].head(1).assign(indsats=indsats), coverage).iloc[0]
        st.caption(f"Periode: {formatting.period_label(compared['period'])}" + (
            f" – landstallet er {provisional.LABEL}t: hele landet dækker {compared['coverage']}, og fristen er ikke "
            "overskredet" if compared["provisional"] else ""))
        if viewer.is_municipality:  # the national column goes through the public policy
            st.caption(formatting.suppression_legend(analyst=False))
        is_rate = comparison["indicator"].map(formatting.indicator_kind).eq("rate")
        numbers = pd.DataFrame({
            "Indikator": comparison["label"],
            "Enhed": ["procent" if r else "antal/dage" for r in is_rate],
            place: [round(v * 100, 1) if r and pd.notna(v) else v for v, r in zip(comparison["own"], is_rate,
                                                                                  strict=True)],
            "Hele landet": [round(v * 100, 1) if r and pd.notna(v) else v for v, r in zip(comparison["national"],
                                                                                          is_rate, strict=True)],
        })
        components.download_buttons(viewer, numbers, f"sammenligning_{kommune}_{indsats}", key="overblik_sml_dl",
                                    sheet="Sammenligning")

# ---- fidelity traffic lights ---------------------------------------------------------------------
st.markdown("#### Fidelitet: reglerne som trafiklys")
rules = queries.fidelity_rules(viewer, indsats, period_type, kommune)
rules = rules[(rules["period"] == latest) & (rules["rule_code"] != queries.COMPOSITE_RULE)] if not rules.empty \
    else rules
if rules.empty:
    st.info("Ingen fidelitetsregler er målt i perioden.")
else:
    few = rules["checked"].isna() | (rules["checked"] < min_courses)
    lights = [("Få forløb" if f and not h else (components.light(v) or "–")) for v, f, h in zip(
        rules["light"], few, rules["is_hidden"], strict=True)]
    table = pd.DataFrame({
        "Lys": lights,
        "Regel": rules["label"],
        "Overholdt": [formatting.format_value(v, "fidelity_index", h, m) for v, h, m in zip(
            rules["adherence"], rules["is_hidden"], rules["mark"], strict=True)],
        "Forløb tjekket": [formatting.format_value(v, "count", h, m) for v, h, m in zip(
            rules["checked"], rules["is_hidden"], rules["mark"], strict=True)],
    })
    st.dataframe(table.style.map(components.light_style, subset=["Lys"]), hide_index=True, width="stretch",
                 key="overblik_fidelitet")
    st.caption(f"«Få forløb»: reglen er tjekket på færre end {formatting.format_number(min_courses)} forløb i "
               "perioden, så andelen vurderes ikke med et trafiklys.")
    components.download_buttons(viewer, pd.DataFrame({
        "Lys": lights, "Regel": rules["label"],
        "Overholdt (%)": [round(v * 100, 1) if pd.notna(v) else None for v in rules["adherence"]],
        "Forløb tjekket": rules["checked"],
    }), f"fidelitet_{kommune}_{indsats}_{latest}", key="overblik_fid_dl", sheet="Fidelitet")
    failing = rules[rules["light"].astype(str).str.lower().isin(components.FAILING_LIGHTS) & ~few]
    for _, rule in failing.iterrows():
        with st.expander(f"{components.light_markdown(rule['light'])} {rule['label']} – hvad kan I gøre?"):
            st.write(rule.get("guidance") or "")
            if st.button("Se forløb og medarbejdere bag reglen", key=f"drill_{rule['rule_code']}"):
                st.session_state["fidelitet_regel_valg"] = rule["rule_code"]
                st.session_state["fidelitet_indsats_valg"] = indsats
                st.switch_page("pages/fidelitet.py")

# ---- the management report ----------------------------------------------------------------------
if viewer.is_municipality:
    st.markdown("#### Ledelsesrapport")
    st.write("Hele kommunens ledelsesinformation som Excel-ark: nøgletal, udvikling, fidelitet, datakvalitet og "
             "alle indikatorer. Tallene er tal (ikke tekst), så I kan regne videre på dem.")

    def _report() -> bytes:
        from udbredelse import pipeline

        with tempfile.TemporaryDirectory() as folder:
            result = pipeline.export_management_report(settings(), Path(folder), kommune=kommune)
            return Path(result["path"]).read_bytes()

    components.file_download(viewer, "Hent ledelsesrapport (Excel)", _report, f"ledelsesrapport_{kommune}.xlsx",
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             key="overblik_rapport", detail={"report": "ledelsesrapport", "kommunekode": kommune})
