"""The dashboard's queries: every figure a page shows, read from the published copy and scoped to the viewer.

Every public function takes the `Viewer` and scopes through `dashboard.scope`; reading and caching go
through `dashboard.store`; labels and number formats live in `dashboard.formatting`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from dashboard.formatting import FACTOR_LABELS
from dashboard.scope import (
    blank_suppressed,
    course_ids_for,
    feedback_for,
    indicator_scope,
    own_rows_scope,
    policy_marks,
    require_analyst,
    sees_exact,
    where_kommune,
)
from dashboard.store import (
    columns,
    existing_columns,
    has_table,
    per_publish,
    per_viewer,
    published_available,
    query,
    quote_names,
    settings,
)
from dashboard.viewer import NATIONAL, Viewer
from udbredelse.export import published

# ---- catalog -------------------------------------------------------------------------------

@per_viewer
def interventions(viewer: Viewer) -> pd.DataFrame:
    """Interventions (indsats, name, track, collects_cpr, reporting_period); a municipality sees those it reports."""
    cols = ["indsats", "name", "track", "collects_cpr", "reporting_period"]
    frame = query(f"select {quote_names(cols)} from catalog.interventions order by indsats", columns=cols)  # noqa: S608 - constant names
    # Interventions with data first: a municipality's own, or (analysts) any municipality's.
    where, params = where_kommune(own_rows_scope(viewer, None))
    present = query(f"select distinct indsats from marts.indicators where {where}", params)  # noqa: S608 - placeholders only
    if not present.empty:
        frame = frame[frame["indsats"].isin(present["indsats"])]
    return frame.reset_index(drop=True)


@per_viewer
def municipalities(viewer: Viewer) -> pd.DataFrame:
    """kommunekode → kommunenavn; a municipality user gets itself and the national total only."""
    national = pd.DataFrame([{"kommunekode": NATIONAL, "kommunenavn": "Hele landet"}])
    where, params = where_kommune(own_rows_scope(viewer, None))
    frame = query(
        f"select kommunekode, kommunenavn from catalog.municipalities where {where} order by kommunekode",  # noqa: S608 - placeholders only
        params, columns=["kommunekode", "kommunenavn"],
    )
    return pd.concat([national, frame], ignore_index=True)


def municipality_name(viewer: Viewer, kommunekode: str) -> str:
    names = municipalities(viewer)
    match = names.loc[names["kommunekode"] == kommunekode, "kommunenavn"]
    return str(match.iloc[0]) if not match.empty else kommunekode


# ---- indicators ----------------------------------------------------------------------------

INDICATOR_COLUMNS = list(published.INDICATOR_COLUMNS)  # the stable interface (and marts.indicators' dbt contract)

@per_viewer
def indicators(
    viewer: Viewer,
    indsats: str | None = None,
    period_type: str = "month",
    kommunekode: str | None = None,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """Rows of marts.indicators the viewer may see, suppressed cells blanked outside the own view."""
    if codes and indsats and kommunekode is not None:
        # one municipality (or the nation) × intervention: every code in one cached answer (a few thousand
        # rows), so the page's several code lists cost one query, not one each, after a publish
        every = indicators(viewer, indsats, period_type, kommunekode)
        return every[every["indicator"].isin(codes)].reset_index(drop=True)
    scope = indicator_scope(viewer, kommunekode)
    where, params = where_kommune(scope)
    clauses = [where, "period_type = ?"]
    params = (*params, period_type)
    if indsats:
        clauses.append("indsats = ?")
        params = (*params, indsats)
    if codes:
        clauses.append(f"indicator in ({', '.join('?' for _ in codes)})")
        params = (*params, *codes)
    sql = (
        f"select {quote_names(INDICATOR_COLUMNS)} from marts.indicators where {' and '.join(clauses)} "  # noqa: S608 - constant names
        "order by kommunekode, indsats, indicator, period"
    )
    return blank_suppressed(viewer, query(sql, params, columns=INDICATOR_COLUMNS))


def periods(viewer: Viewer, indsats: str | None, period_type: str, kommunekode: str | None = None) -> list[str]:
    frame = indicators(viewer, indsats, period_type, kommunekode, codes=["starts"])
    return sorted(frame["period"].dropna().unique().tolist()) if not frame.empty else []


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    value: float | None
    previous: float | None
    hidden: bool
    kind: str  # count | rate | days | index
    mark: str | None = None  # the public policy's verdict (dashboard.scope.policy_marks)

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _value_at(frame: pd.DataFrame, code: str, period: str | None) -> tuple[float | None, bool]:
    value, hidden, _ = _cell_at(frame, code, period)
    return value, hidden


def _cell_at(frame: pd.DataFrame, code: str, period: str | None) -> tuple[float | None, bool, str | None]:
    if period is None:
        return None, False, None
    row = frame[(frame["indicator"] == code) & (frame["period"] == period)]
    if row.empty:
        return None, False, None
    value = row["value"].iloc[0]
    hidden = bool(row["is_hidden"].iloc[0])
    mark = row["mark"].iloc[0] if "mark" in row else None
    return (None if pd.isna(value) else float(value)), hidden, (mark if isinstance(mark, str) else None)


@per_viewer
def kpis(viewer: Viewer, indsats: str, period_type: str, kommunekode: str) -> tuple[str | None, list[Kpi]]:
    """The headline cards for one municipality (or '000') and intervention: latest period vs the one before."""
    frame = indicators(viewer, indsats, period_type, kommunekode,
                       codes=["target_attainment_ytd", "active_end", "completion_rate", "fidelity_index", "starts"])
    all_periods = sorted(frame["period"].unique().tolist()) if not frame.empty else []
    latest = all_periods[-1] if all_periods else None
    previous = all_periods[-2] if len(all_periods) > 1 else None
    labels = indicator_labels(["target_attainment_ytd", "active_end", "completion_rate", "fidelity_index"])
    cards = []
    for code, kind in (("target_attainment_ytd", "rate"), ("active_end", "count"), ("completion_rate", "rate")):
        value, hidden, mark = _cell_at(frame, code, latest)
        before, _ = _value_at(frame, code, previous)
        cards.append(Kpi(code, labels[code], value, before, hidden, kind, mark))
    if not frame.empty and (frame["indicator"] == "fidelity_index").any():
        index_now, hidden, mark = _cell_at(frame, "fidelity_index", latest)
        index_before, _ = _value_at(frame, "fidelity_index", previous)
    else:  # older marts: the composite row of the rule summary
        rules = fidelity_rules(viewer, indsats, period_type, kommunekode)
        index_now, index_before = _fidelity_index(rules, latest), _fidelity_index(rules, previous)
        now = rules[rules["period"] == latest] if not rules.empty else rules
        hidden = bool(not now.empty and now["is_hidden"].astype(bool).any())
        mark = "secondary" if not now.empty and now["mark"].notna().any() else None
    cards.append(Kpi("fidelity_index", labels["fidelity_index"], index_now, index_before, hidden, "index", mark))
    return latest, cards


COMPOSITE_RULE = "indeks"


def _fidelity_index(rules: pd.DataFrame, period: str | None) -> float | None:
    """Composite fidelity index: share of all rule checks passed in the period (dbt docs: marts.fidelity_rule_summary).

    Taken from the mart's composite row (rule_code 'indeks') when present, else summed over the rules.
    """
    if rules.empty or period is None:
        return None
    rows = rules[rules["period"] == period]
    composite = rows[rows["rule_code"] == COMPOSITE_RULE]
    if not composite.empty:
        value = composite["adherence"].iloc[0]
        return None if pd.isna(value) else float(value)
    rows = rows[~rows["is_hidden"].astype(bool)]
    checked = rows["checked"].sum()
    return None if not checked else float(rows["passed"].sum() / checked)


@per_viewer
def recruitment(viewer: Viewer, indsats: str, kommunekode: str) -> pd.DataFrame:
    """The latest year's monthly starts, cumulative starts and the year's target (from target_attainment_ytd)."""
    frame = indicators(viewer, indsats, "month", kommunekode, codes=["starts", "target_attainment_ytd"])
    if frame.empty:
        return pd.DataFrame(columns=["period", "starts", "starts_ytd", "target"])
    starts = frame[frame["indicator"] == "starts"][["period", "value"]].rename(columns={"value": "starts"})
    target = frame[frame["indicator"] == "target_attainment_ytd"][["period", "numerator", "denominator"]]
    target = target.rename(columns={"numerator": "starts_ytd", "denominator": "target"})
    out = starts.merge(target, on="period", how="outer").sort_values("period")
    out["month_date"] = pd.to_datetime(out["period"] + "-01", errors="coerce")
    out = out.dropna(subset=["month_date"])
    if out.empty:
        return out
    year = out["month_date"].dt.year.max()  # the current year: starts so far against this year's target
    out = out[out["month_date"].dt.year == year]
    # Pace: the share of the year's target expected by the end of each month.
    out["target_pace"] = out["target"] * out["month_date"].dt.month / 12
    return out.reset_index(drop=True)


FUNNEL_STEPS = [("referrals", "Henvist"), ("starts", "Startet"), ("ended_completed", "Gennemført"),
                ("ended_interrupted", "Afbrudt")]


@per_viewer
def funnel(viewer: Viewer, indsats: str, kommunekode: str, year: str | None = None) -> pd.DataFrame:
    """Referred → started → completed / interrupted for one year (from the yearly indicator rows)."""
    frame = indicators(viewer, indsats, "year", kommunekode, codes=[c for c, _ in FUNNEL_STEPS])
    if frame.empty:
        return pd.DataFrame(columns=["step", "label", "value", "is_hidden", "mark", "period"])
    year = year or max(frame["period"])
    frame = frame[frame["period"] == year]
    rows = []
    for order, (code, label) in enumerate(FUNNEL_STEPS):
        row = frame[frame["indicator"] == code]
        value = None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])
        hidden = bool(row["is_hidden"].iloc[0]) if not row.empty else False
        mark = row["mark"].iloc[0] if not row.empty and isinstance(row["mark"].iloc[0], str) else None
        rows.append({"order": order, "step": code, "label": label, "value": value, "is_hidden": hidden,
                     "mark": mark, "period": year})
    return pd.DataFrame(rows)


COMPARISON_CODES = ["completion_rate", "waiting_days_median", "duration_days_median", "fidelity_dosage",
                    "fidelity_duration", "target_attainment_ytd"]


@per_viewer
def national_comparison(viewer: Viewer, indsats: str, period_type: str, kommunekode: str) -> pd.DataFrame:
    """The municipality beside the national total for the latest common period."""
    own = indicators(viewer, indsats, period_type, kommunekode, codes=COMPARISON_CODES)
    national = indicators(viewer, indsats, period_type, NATIONAL, codes=COMPARISON_CODES)
    if own.empty:
        return pd.DataFrame(columns=["indicator", "label", "own", "national", "period"])
    period = max(own["period"])
    left = own[own["period"] == period][["indicator", "value", "is_hidden", "mark"]].rename(
        columns={"value": "own", "is_hidden": "own_hidden", "mark": "own_mark"})
    right = national[national["period"] == period][["indicator", "value", "is_hidden", "mark"]].rename(
        columns={"value": "national", "is_hidden": "national_hidden", "mark": "national_mark"})
    out = left.merge(right, on="indicator", how="left")
    out["label"] = out["indicator"].map(indicator_labels(out["indicator"].tolist()))
    out["period"] = period
    return out


# ---- fidelity ------------------------------------------------------------------------------

@per_viewer
def fidelity_rules(viewer: Viewer, indsats: str, period_type: str, kommunekode: str | None = None) -> pd.DataFrame:
    """marts.fidelity_rule_summary for the viewer's scope, hidden cells blanked outside the own view.

    The build decides what is hidden (`suppressed`/`suppression`: the disclosure policy's verdicts on the
    same cells of marts.indicators, the composite index included); `mark` as in `scope.blank_suppressed`."""
    scope = indicator_scope(viewer, kommunekode)
    cols = ["kommunekode", "indsats", "period_type", "period", "rule_code", "rule_type", "label", "guidance",
            "checked", "passed", "adherence", "light", "suppressed", "suppression"]
    where, params = where_kommune(scope)
    frame = query(
        f"select {quote_names(cols)} from marts.fidelity_rule_summary "  # noqa: S608 - constant names
        f"where {where} and indsats = ? and period_type = ? order by kommunekode, period, rule_code",
        (*params, indsats, period_type), columns=cols,
    )
    if frame.empty:
        frame["is_hidden"] = pd.Series(dtype=bool)
        frame["mark"] = pd.Series(dtype=object)
        return frame
    marks = policy_marks(frame)
    exact = sees_exact(viewer, frame["kommunekode"])
    hide = marks.notna() & ~exact
    for column in ("checked", "passed", "adherence"):
        frame[column] = frame[column].astype("float64").where(~hide)
    frame["light"] = frame["light"].where(~hide)
    frame["is_hidden"] = hide
    own = exact & (not viewer.sees_all_municipalities)
    frame["mark"] = marks.where(~own, None)
    return frame


# ---- course hygiene ------------------------------------------------------------------------

@per_viewer
def course_attention(viewer: Viewer, indsats: str | None = None, kommunekode: str | None = None) -> pd.DataFrame:
    """Courses that need attention. A municipality sees its own forloeb_id; analysts a pseudonym."""
    scope = own_rows_scope(viewer, kommunekode)
    cols = ["kommunekode", "indsats", "forloeb_id", "issue_code", "issue_label", "details"]
    where, params = where_kommune(scope)
    clauses = [where]
    if indsats:
        clauses.append("indsats = ?")
        params = (*params, indsats)
    frame = query(
        f"select {quote_names(cols)} from marts.course_attention where {' and '.join(clauses)} "  # noqa: S608 - constant names
        "order by kommunekode, indsats, forloeb_id, issue_code",
        params, columns=cols,
    )
    return course_ids_for(viewer, frame, settings().pseudonym_key_bytes)


# ---- data quality --------------------------------------------------------------------------

def _scoped_table(viewer: Viewer, table: str, indsats: str | None, kommunekode: str | None) -> pd.DataFrame:
    """Every column of a mart with a kommunekode × indsats grain (its dbt contract), own rows only for a municipality."""
    where, params = where_kommune(own_rows_scope(viewer, kommunekode))
    clauses = [where]
    if indsats:
        clauses.append("indsats = ?")
        params = (*params, indsats)
    return query(
        f"select * from marts.{table} where {' and '.join(clauses)} order by kommunekode, indsats",  # noqa: S608 - table from a constant list
        params,
    )


@per_viewer
def dq_scorecard(viewer: Viewer, indsats: str | None = None, kommunekode: str | None = None) -> pd.DataFrame:
    """marts.dq_scorecard: score 0-100, badge and the dimensions, per municipality × intervention."""
    return _scoped_table(viewer, "dq_scorecard", indsats, kommunekode)


@per_viewer
def dq_feedback(viewer: Viewer, indsats: str | None = None, kommunekode: str | None = None) -> pd.DataFrame:
    """marts.dq_feedback: what the municipality should fix, most important first."""
    frame = _scoped_table(viewer, "dq_feedback", indsats, kommunekode)
    if frame.empty:
        return frame
    frame = frame.sort_values(["kommunekode", "indsats", "sort_order"]).reset_index(drop=True)
    return feedback_for(viewer, frame, settings().pseudonym_key_bytes)


@per_viewer
def quality_badge(viewer: Viewer, indsats: str, kommunekode: str) -> tuple[str | None, float | None]:
    if kommunekode == NATIONAL:
        indicator_scope(viewer, kommunekode)
        return None, None
    card = dq_scorecard(viewer, indsats, kommunekode)
    if card.empty:
        return None, None
    row = card.iloc[0]
    score = row["score"]
    return row["quality_badge"], (None if pd.isna(score) else float(score))


# ---- implementation ------------------------------------------------------------------------

@per_viewer
def milestones(viewer: Viewer, indsats: str | None = None, kommunekode: str | None = None) -> pd.DataFrame:
    """marts.implementation_milestones for the viewer's own municipality (analysts: all)."""
    return _scoped_table(viewer, "implementation_milestones", indsats, kommunekode)


@per_viewer
def milestone_cells(viewer: Viewer, indsats: str) -> pd.DataFrame:
    """Share of milestones done per factor × phase (the viewer's scope), for the heat map."""
    frame = milestones(viewer, indsats)
    if frame.empty:
        return pd.DataFrame(columns=["factor", "phase", "phase_order", "done", "factor_label"])
    frame["done"] = frame["is_done"].fillna(False).astype(float)
    cells = frame.groupby(["factor", "phase", "phase_order"], dropna=False)["done"].mean().reset_index()
    cells["factor_label"] = cells["factor"].map(FACTOR_LABELS).fillna(cells["factor"])
    return cells


@per_viewer
def milestone_summary(viewer: Viewer, indsats: str) -> pd.DataFrame:
    """Per municipality: milestones, share done, overdue (analysts; a municipality gets its own row)."""
    frame = milestones(viewer, indsats)
    if frame.empty:
        return pd.DataFrame(columns=["kommunekode", "milepaele", "opfyldt", "over_tid"])
    frame["done"] = frame["is_done"].fillna(False).astype(float)
    frame["overdue"] = frame["is_overdue"].fillna(False).astype(int)
    return frame.groupby("kommunekode").agg(
        milepaele=("milestone_code", "count"), opfyldt=("done", "mean"), over_tid=("overdue", "sum"),
    ).reset_index()


def milestone_catalog(indsats: str) -> pd.DataFrame:
    cols = ["indsats", "milestone_code", "factor", "phase", "due_month", "label"]
    return query(
        f"select {quote_names(cols)} from catalog.milestones where indsats = ? order by due_month, milestone_code",  # noqa: S608 - constant names
        (indsats,), columns=cols,
    )


# ---- submissions ---------------------------------------------------------------------------

@per_viewer
def submissions(viewer: Viewer, kommunekode: str | None = None) -> pd.DataFrame:
    """raw.files: the files a municipality has sent, newest first (analysts: all)."""
    scope = own_rows_scope(viewer, kommunekode)
    cols = ["received_at", "original_name", "source", "kommunekode", "indsats", "file_type", "reporting_date",
            "rows_read", "rows_accepted", "rows_rejected", "warnings", "status"]
    where, params = where_kommune(scope)
    return query(
        f"select {quote_names(cols)} from raw.files where {where} order by received_at desc nulls last limit 500",  # noqa: S608 - constant names
        params, columns=cols,
    )


# ---- period coverage: provisional periods and the national figure's coverage ---------------

COVERAGE_COLUMNS = ["indsats", "period_type", "period", "kommuner_reporting", "kommuner_delivered", "provisional",
                    "coverage"]


@per_viewer
def period_coverage(viewer: Viewer, period_type: str | None = None, indsats: str | None = None) -> pd.DataFrame:
    """marts.period_coverage (the build's one home of the rule): per intervention and period whether it is
    provisional (foreløbig) and how many of the reporting municipalities the national figure covers, with the
    Danish text ("42 af 45 kommuner"). Counts of municipalities, not people: the same for every viewer."""
    if not has_table("marts", "period_coverage"):
        return pd.DataFrame(columns=COVERAGE_COLUMNS).astype({"provisional": bool})
    clauses, params = ["true"], ()
    if period_type:
        clauses.append("period_type = ?")
        params = (*params, period_type)
    if indsats:
        clauses.append("indsats = ?")
        params = (*params, indsats)
    frame = query(
        f"select {quote_names(COVERAGE_COLUMNS[:-1])} from marts.period_coverage "  # noqa: S608 - constant names
        f"where {' and '.join(clauses)} order by indsats, period_type, period",
        params, columns=COVERAGE_COLUMNS[:-1],
    )
    frame["provisional"] = frame["provisional"].fillna(False).astype(bool)
    from dashboard.formatting import format_number

    frame["coverage"] = [f"{format_number(d)} af {format_number(r)} kommuner"
                         for d, r in zip(frame["kommuner_delivered"], frame["kommuner_reporting"], strict=True)]
    return frame


# ---- national picture (analysts) -----------------------------------------------------------

@per_viewer
def national_matrix(viewer: Viewer, indicator: str, period_type: str, period: str | None = None) -> pd.DataFrame:
    """All municipalities × interventions for one indicator, each intervention at its latest complete
    (not provisional) period unless `period` is given (suppression applied)."""
    require_analyst(viewer)
    frame = indicators(viewer, None, period_type, None, codes=[indicator])
    if frame.empty:
        return frame
    if period:
        frame = frame[frame["period"] == period]
    else:  # each intervention at its own latest complete period (reporting periods and deadlines differ);
        # a provisional period (marts.period_coverage) only when the intervention has no complete one yet
        coverage = period_coverage(viewer, period_type)[["indsats", "period", "provisional"]]
        final = ~frame[["indsats", "period"]].merge(coverage, on=["indsats", "period"], how="left")["provisional"] \
            .fillna(False).astype(bool).to_numpy()
        best = frame.assign(_final=final).sort_values(["_final", "period"]).groupby("indsats")["period"].last()
        frame = frame[frame["period"] == frame["indsats"].map(best)]
    names = municipalities(viewer)
    return frame.merge(names, on="kommunekode", how="left")


@per_viewer
def national_trends(viewer: Viewer, indicator: str, period_type: str, indsats: str | None = None) -> pd.DataFrame:
    require_analyst(viewer)
    return indicators(viewer, indsats, period_type, None, codes=[indicator])


def outliers(matrix: pd.DataFrame, threshold: float = 2.0) -> pd.DataFrame:
    """Municipalities whose value is more than `threshold` SD from the mean of their intervention (DHIS2 style)."""
    if matrix.empty:
        return matrix
    rows = matrix[(matrix["kommunekode"] != NATIONAL) & matrix["value"].notna()].copy()
    grouped = rows.groupby("indsats")["value"]
    rows["z"] = (rows["value"] - grouped.transform("mean")) / grouped.transform("std")
    return rows[rows["z"].abs() >= threshold].sort_values("z", key=lambda z: -z.abs())


# ---- indicator definitions (marts.indicator_definitions: the build writes it from the models' meta.indicators)

DEFINITION_COLUMNS = ["sort_order", "indicator", "label", "definition", "source_fields", "why_it_matters", "periods",
                      "model", "source"]


def indicator_definitions() -> pd.DataFrame:
    """marts.indicator_definitions, in order: one row per indicator code or template (`register_<indicator>_12m`),
    then one per indicator model with its description (indicator empty). Not sensitive: the same for every viewer."""
    return query(f"select {quote_names(DEFINITION_COLUMNS)} from marts.indicator_definitions order by sort_order",  # noqa: S608 - constant names
                 columns=DEFINITION_COLUMNS)


def _template(code: str) -> re.Pattern[str]:
    """`register_<indicator>_12m` → a pattern matching `register_beskaeftiget_12m` (the <...> part captured)."""
    return re.compile(re.sub(r"<[^>]+>", "([a-z0-9_]+)", re.escape(code)))


def definition_for(code: str, definitions: pd.DataFrame) -> pd.Series | None:
    """The definition of one code; templates such as `register_<indicator>_12m` match concrete codes."""
    names = definitions["indicator"].to_numpy(dtype=object)
    exact = np.flatnonzero(names == code)
    if exact.size:
        return definitions.iloc[int(exact[0])]
    for position, name in enumerate(names):
        if isinstance(name, str) and "<" in name and _template(name).fullmatch(code):
            return definitions.iloc[position]
    return None


def indicator_label(code: str, definitions: pd.DataFrame) -> str:
    """The Danish label of a code; a template's label with the concrete part (`Opstartede efter alder: 0_14`)."""
    row = definition_for(code, definitions)
    if row is None:
        return code
    if row["indicator"] == code:
        return str(row["label"])
    parts = [p for p in _template(row["indicator"]).fullmatch(code).groups() if p]
    return f"{row['label']}: {', '.join(parts)}" if parts else str(row["label"])


@per_publish
def indicator_labels(codes: list[str] | None = None) -> dict[str, str]:
    """code → Danish label for `codes` (default: every defined code without a template), in definition order."""
    definitions = indicator_definitions()
    if codes is None:
        coded = definitions[definitions["indicator"].notna()]
        codes = [c for c in coded["indicator"] if "<" not in c]

    def place(code: str) -> tuple[float, str]:
        row = definition_for(code, definitions)
        return (float("inf") if row is None else float(row["sort_order"]), code)

    return {code: indicator_label(code, definitions) for code in sorted(codes, key=place)}


@per_viewer
def indicator_catalogue(viewer: Viewer) -> pd.DataFrame:
    """One row per indicator code (published or defined): Danish name, definition and its dbt source file."""
    definitions = indicator_definitions()
    coded = definitions[definitions["indicator"].notna()]
    published = indicator_codes(viewer) if published_available() else []
    rows = []
    for code in [*coded["indicator"], *sorted(set(published) - set(coded["indicator"]))]:
        match = definition_for(code, coded)
        rows.append({
            "Kode": code,
            "Navn": indicator_label(code, coded),
            "Definition": "(definitionen mangler i dbt-projektet)" if match is None else match["definition"],
            "Kilde": "" if match is None else match["source"],
        })
    return pd.DataFrame(rows, columns=["Kode", "Navn", "Definition", "Kilde"])


@per_viewer
def indicator_glossary(viewer: Viewer) -> pd.DataFrame:
    """Every published indicator code with its Danish name, definition, source fields and why it matters (`defined`
    False when the build has none),
    for "Om indikatorerne"; one cached answer instead of a definition look-up per code and rerun."""
    codes = indicator_codes(viewer) if published_available() else []
    definitions = indicator_definitions()
    parts = ["definition", "source_fields", "why_it_matters"]
    rows = []
    for code in codes:
        match = definition_for(code, definitions)
        rows.append({"indicator": code, "label": label(viewer, code), "defined": match is not None,
                     **{part: "" if match is None or pd.isna(match[part]) else str(match[part]) for part in parts}})
    return pd.DataFrame(rows, columns=["indicator", "label", "defined", *parts])


@per_viewer
def indicator_codes(viewer: Viewer) -> list[str]:
    """Every indicator code in the published indicator table (codes are not sensitive)."""
    return query("select distinct indicator from marts.indicators order by indicator",
                 columns=["indicator"])["indicator"].tolist()



# ---- management information: labels, comparable municipalities, drill-down, outcomes ----------

def catalog_labels(viewer: Viewer) -> dict[str, dict[str, str]]:
    """Danish labels of the catalog's codes by kind, for `formatting.indicator_label` (codes are not sensitive,
    the same for every viewer)."""
    return _catalog_labels()


@per_publish
def _catalog_labels() -> dict[str, dict[str, str]]:
    parts: list[tuple[str, str]] = []  # (kind, select code, label ...): one query for all (a cold page opens
    # the published copy once per query)
    if has_table("catalog", "codes"):
        parts += [(kind, f"select distinct code, label from catalog.codes where code_type = '{kind}'")  # noqa: S608 - constant kinds
                  for kind in ("referral_reason", "end_reason", "status")]
    if has_table("catalog", "fidelity_rules"):
        parts.append(("fidelity_rule", "select distinct rule_code, label from catalog.fidelity_rules"))
    if has_table("catalog", "register_indicators"):
        parts.append(("register", "select distinct indicator_code, label from catalog.register_indicators"))
    if has_table("catalog", "milestone_phases"):
        parts.append(("milestone_phase", "select phase_code, label from catalog.milestone_phases"))
    if has_table("marts", "indicator_definitions"):  # the build's own names of the plain indicator codes
        parts.append(("indicator", "select indicator, label from marts.indicator_definitions "
                                   "where indicator is not null and indicator not like '%<%'"))
    out: dict[str, dict[str, str]] = {kind: {} for kind, _ in parts}
    out.setdefault("factor", {}).update(FACTOR_LABELS)
    if parts:
        sql = " union all ".join(
            f"select {n} as part, row_number() over () as row, '{kind}' as kind, cast(code as varchar) as code, "  # noqa: S608 - constant SQL
            f"cast(label as varchar) as label from ({select}) as t{n}(code, label)" for n, (kind, select) in enumerate(parts))
        for _part, _row, kind, code, lab in query(f"{sql} order by part, row").itertuples(index=False):
            if isinstance(lab, str) and lab:
                out[kind][str(code)] = lab
    return out


def label(viewer: Viewer, code: str) -> str:
    """The Danish name of an indicator code (catalog labels for templated codes)."""
    return _label(code)


@per_publish
def _label(code: str) -> str:
    from dashboard.formatting import indicator_label

    return indicator_label(code, _catalog_labels())


@per_publish
def suppression_threshold() -> int:
    """The threshold the build applied (catalog.parameters of the published copy), never the environment's."""
    from udbredelse.disclosure import threshold_from_parameters

    return threshold_from_parameters(pl.from_pandas(query("select parameter, value from catalog.parameters")))


def mi_parameter(name: str, default: float) -> float:
    """A catalog parameter (catalog.parameters), e.g. mi_min_courses."""
    if not has_table("catalog", "parameters"):
        return default
    frame = query("select value from catalog.parameters where parameter = ?", (name,))
    return default if frame.empty or pd.isna(frame["value"].iloc[0]) else float(frame["value"].iloc[0])


@per_viewer
def comparable_groups(viewer: Viewer, kommunekode: str) -> dict[str, Any]:
    """The municipality's region and size group, and the members of each (municipality codes are public)."""
    indicator_scope(viewer, kommunekode)  # a municipality asks only about itself (or the nation)
    cols = columns("catalog", "municipalities")
    if kommunekode == NATIONAL or not {"regionskode", "size_group"} <= set(cols):
        return {}
    frame = query("select kommunekode, regionskode, regionsnavn, size_group, size_group_label "
                  "from catalog.municipalities")
    own = frame[frame["kommunekode"] == kommunekode]
    if own.empty:
        return {}
    row = own.iloc[0]
    return {
        "region": {"label": str(row["regionsnavn"]),
                   "members": frame.loc[frame["regionskode"] == row["regionskode"], "kommunekode"].tolist()},
        "size": {"label": str(row["size_group_label"]),
                 "members": frame.loc[frame["size_group"] == row["size_group"], "kommunekode"].tolist()},
    }


def catalog() -> Any:
    """The intervention catalog the dashboard runs with (udbredelse/catalog; not sensitive)."""
    from udbredelse.catalog import load_catalog

    return load_catalog(settings().catalog_path)


def _comparison_spec() -> tuple[int, list[dict[str, Any]]]:
    """The catalog's comparison group rule (common.yaml `management_information.comparison_group`):
    the fewest other municipalities a median needs, and the levels tried in order."""
    spec = catalog().common.get("management_information", {}).get("comparison_group", {})
    return int(spec.get("min_members", 3)), list(spec.get("levels", []))


@per_viewer
def comparison_group(viewer: Viewer, indsats: str, kommunekode: str) -> dict[str, Any]:
    """The municipality's comparison group for one intervention: the first of the catalog's levels (same
    region and size group, then the region, then the size group, then all other municipalities) with at
    least `min_members` other municipalities that report the intervention, named in Danish.

    Returns {level, label, members, widened (a level after the first), first_label, min_members}; {} for the nation or
    when no level has enough municipalities. Which municipalities report an intervention is public (the
    public indicator table lists them); their figures reach a municipality only through the policy."""
    groups = comparable_groups(viewer, kommunekode)  # also: a municipality asks only about itself
    if not groups:
        return {}
    min_members, levels = _comparison_spec()
    frame = query("select kommunekode, regionskode, regionsnavn, size_group, size_group_label "
                  "from catalog.municipalities")
    own = frame[frame["kommunekode"] == kommunekode].iloc[0]
    reporting = set(query("select distinct kommunekode from marts.indicators where indsats = ? and kommunekode <> ?",
                          (indsats, NATIONAL))["kommunekode"]) - {kommunekode}
    names = {"region": str(own["regionsnavn"]), "size": str(own["size_group_label"]).lower()}
    similar_size = catalog().size_peers(kommunekode)  # the size group, robust to the populations' precision
    for n, level in enumerate(levels):
        same = frame
        if "region" in level.get("by", []):
            same = same[same["regionskode"] == own["regionskode"]]
        if "size" in level.get("by", []):
            same = same[same["kommunekode"].isin(similar_size)]
        members = sorted(set(same["kommunekode"]) & reporting)
        if len(members) >= min_members:
            return {"level": "+".join(level.get("by", [])) or "all", "label": level["label"].format(**names),
                    "members": members, "widened": n > 0, "first_label": levels[0]["label"].format(**names),
                    "min_members": min_members}
    return {}


@per_viewer
def comparable_medians(viewer: Viewer, indsats: str, kommunekode: str, codes: tuple[str, ...],
                       period_type: str = "month", rolling: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per period and indicator, the median over the municipality's comparison group (`comparison_group`).
    For a municipality built from those municipalities' rows as the public sees them (suppressed cells left
    out, as in the public export); analysts, who see every aggregate, get the exact median. Only medians over
    at least the catalog's `min_members` municipalities leave here. For the codes in `rolling` each member's rolling 12-month rate
    is taken first (a window with a hidden month is unknown)."""
    from dashboard.trends import comparable_median, rolling_rate

    group = comparison_group(viewer, indsats, kommunekode)
    empty = pd.DataFrame(columns=["group", "group_label", "indicator", "period", "value", "members"])
    if not group:
        return empty
    members = group["members"]
    cols = existing_columns("marts", "indicators", ["kommunekode", "indsats", "period_type", "period", "indicator",
                                                    "numerator", "denominator", "value", "suppressed"])
    if not cols:
        return empty
    marks = ", ".join("?" for _ in members)
    code_marks = ", ".join("?" for _ in codes)
    rows = query(
        f"select {quote_names(cols)} from marts.indicators where kommunekode in ({marks}) and kommunekode <> ? "  # noqa: S608 - placeholders only
        f"and indsats = ? and period_type = ? and indicator in ({code_marks})",
        (*members, kommunekode, indsats, period_type, *codes),
    )
    if rows.empty:
        return empty
    # The audiences' one rule (scope.sees_exact): a municipality gets the other municipalities' figures as
    # the public sees them (a suppressed cell, or one without a verdict, is left out, never estimated);
    # Socialstyrelsen's analysts see every aggregate exactly.
    flag = rows["suppressed"].fillna(True).astype(bool) if "suppressed" in rows else True
    rows["is_hidden"] = flag & ~sees_exact(viewer, rows["kommunekode"])
    for column in ("value", "numerator", "denominator"):
        rows[column] = rows[column].astype("float64").where(~rows["is_hidden"])
    if rolling:
        rolled = rolling_rate(rows[rows["indicator"].isin(rolling)], keys=["kommunekode", "indsats", "indicator"],
                              min_months=3)
        rolled["value"], rolled["is_hidden"] = rolled["rolling_value"], False
        rows = pd.concat([rows[~rows["indicator"].isin(rolling)], rolled[rows.columns]], ignore_index=True)
    min_members, _ = _comparison_spec()
    parts = []
    for code, sub in rows.groupby("indicator"):
        med = comparable_median(sub, members, exclude=kommunekode, min_members=min_members)
        if not med.empty:
            parts.append(med.assign(group=group["level"], group_label=group["label"], indicator=code))
    return pd.concat(parts, ignore_index=True) if parts else empty


def _intermediate_table(table: str) -> bool:
    frame = query("select count(*) as n from information_schema.tables where table_schema = 'intermediate' "
                  "and table_name = ?", (table,))
    return bool(frame["n"].iloc[0])


@per_viewer
def fidelity_courses(viewer: Viewer, indsats: str, kommunekode: str | None, rule_code: str,
                     since: str | None = None) -> pd.DataFrame:
    """The courses checked against one fidelity rule (marts.fidelity_by_course): a municipality its own
    course ids, analysts keyed pseudonyms. `since` ('YYYY-MM-DD') keeps checks on or after that day."""
    scope = own_rows_scope(viewer, kommunekode)
    cols = existing_columns("marts", "fidelity_by_course",
                            ["kommunekode", "indsats", "forloeb_id", "rule_code", "check_date", "is_passed"])
    if len(cols) < 6:
        return pd.DataFrame(columns=cols)
    where, params = where_kommune(scope)
    clauses = [where, "indsats = ?", "rule_code = ?"]
    params = (*params, indsats, rule_code)
    if since:
        clauses.append("check_date >= cast(? as date)")
        params = (*params, since)
    frame = query(
        f"select {quote_names(cols)} from marts.fidelity_by_course where {' and '.join(clauses)} "  # noqa: S608 - constant names
        "order by is_passed, check_date desc, forloeb_id",
        params,
    )
    return course_ids_for(viewer, frame, settings().pseudonym_key_bytes)


@per_viewer
def caseloads(viewer: Viewer, indsats: str, kommunekode: str | None, period_type: str, period: str) -> pd.DataFrame:
    """Active courses per caseworker (medarbejder_id) at the period's end against the catalog's maximum.

    A municipality sees its own caseworker ids; analysts a keyed pseudonym (`M-…`), never the id."""
    from udbredelse.pseudonym import course_pseudonym

    scope = own_rows_scope(viewer, kommunekode)
    if not _intermediate_table("int_fidelity__caseload"):
        return pd.DataFrame(columns=["kommunekode", "medarbejder", "active_courses", "max_caseload", "is_passed"])
    where, params = where_kommune(scope, "c.kommunekode")
    frame = query(
        "select c.kommunekode, c.indsats, c.practitioner_id as medarbejder, c.active_courses, "  # noqa: S608 - placeholders only
        "r.max_value as max_caseload, c.is_passed from intermediate.int_fidelity__caseload c "
        "left join catalog.fidelity_rules r on r.indsats = c.indsats and r.rule_code = c.rule_code "
        f"where {where} and c.indsats = ? and c.period_type = ? and c.period = ? "
        "order by c.active_courses desc, c.practitioner_id",
        (*params, indsats, period_type, period),
    )
    if viewer.sees_all_municipalities and not frame.empty:
        key = settings().pseudonym_key_bytes
        frame["medarbejder"] = ["M-" + course_pseudonym(k, i, f"medarbejder:{m}", key)[2:]
                                for k, i, m in zip(frame["kommunekode"], frame["indsats"], frame["medarbejder"],
                                                   strict=True)]
    return frame


@per_viewer
def success_criteria(viewer: Viewer, indsats: str, kommunekode: str) -> pd.DataFrame:
    """marts.success_criteria_status for one municipality (or '000'), suppressed outside the own view."""
    scope = indicator_scope(viewer, kommunekode)
    cols = existing_columns("marts", "success_criteria_status", [
        "kommunekode", "indsats", "indicator", "label", "operator", "threshold", "period", "numerator", "denominator",
        "value", "suppressed", "is_met"])
    if not cols:
        return pd.DataFrame(columns=["label", "threshold", "value", "is_met"])
    where, params = where_kommune(scope)
    frame = query(
        f"select {quote_names(cols)} from marts.success_criteria_status where {where} and indsats = ? "  # noqa: S608 - constant names
        "order by indicator, period",
        (*params, indsats),
    )
    frame = blank_suppressed(viewer, frame)
    if "is_met" in frame:
        frame["is_met"] = frame["is_met"].where(~frame["is_hidden"])
    return frame
