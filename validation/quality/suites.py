"""The GX suites, written as Python, and the pandas check frames some of them validate.

Each expectation carries `meta.severity`: "critical" (a failure stops `udbredelse build`) or
"warning" (reported, not blocking), and a Danish `meta.beskrivelse` for the Data Docs and
the runs table. Suites are pure: they take DataFrames and return `SuiteRun`s; running them,
persisting results and rendering Data Docs happen in `udbredelse.quality.runner`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from great_expectations import expectations as gxe
from great_expectations.core import ExpectationSuite
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import Column

from udbredelse.cpr import CPR_PREFILTER_PATTERN, CPR_STANDALONE_PATTERN

CRITICAL = "critical"
WARNING = "warning"

INDICATOR_KEY = ["kommunekode", "indsats", "period_type", "period", "indicator"]
PERIOD_TYPES = ["month", "quarter", "year"]
# Flow counts: what happened in a period, so months add up to the quarter and quarters to the year.
FLOW_COUNTS = ("starts", "referrals", "ended_completed", "ended_interrupted", "ended_total")
FLOW_COUNT_PREFIXES = ("starts_", "ended_reason_")  # breakdowns of starts and ended courses
# Ratios to the yearly target (attainment, run-rate projection) are not shares: they may exceed 1.
RATIO_TO_TARGET_PREFIX = "target_"
QUALITY_BADGES = ["god", "middel", "svag"]

# A clear CPR number (any separator), not part of a longer run of letters/digits (so the 32-hex
# pseudonyms and sha256 file ids do not match). The shape lives in udbredelse/cpr.py, once.
CPR_PATTERN = CPR_STANDALONE_PATTERN
CPR_RE = re.compile(CPR_PATTERN)
# Cheap pre-filter DuckDB applies before GX sees the values: any run of ten digits (with a separator).
CPR_PREFILTER_SQL_PATTERN = CPR_PREFILTER_PATTERN

# Drift against the previous run: per indicator and period type, the number of rows may shrink
# at most 20 % or grow at most 50 %, and the mean value may move at most 50 % (relative).
DRIFT_ROWS_MIN_RATIO = 0.8
DRIFT_ROWS_MAX_RATIO = 1.5
DRIFT_MEAN_MAX_CHANGE = 0.5


def tag(severity: str, beskrivelse: str) -> dict[str, Any]:
    """Keyword arguments for an expectation: GX's own severity, a Danish note (shown in Data Docs),
    and the same in `meta` (kept with every stored result)."""
    label = "Kritisk" if severity == CRITICAL else "Advarsel"
    return {
        "severity": FailureSeverity(severity),
        "notes": f"**{label}:** {beskrivelse}",
        "meta": {"severity": severity, "beskrivelse": beskrivelse},
    }


@dataclass
class SuiteRun:
    """One suite and the DataFrame it validates (a mart, or a check frame computed from marts)."""

    name: str
    frame: pd.DataFrame
    suite: ExpectationSuite
    source: str
    # BOOLEAN_ONLY keeps unexpected values (e.g. a CPR-shaped string) out of results and Data Docs.
    result_format: str = "SUMMARY"
    notes: list[str] = field(default_factory=list)


# ---- marts.indicators ------------------------------------------------------------------------
def indicators_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="indicators",
        expectations=[
            gxe.ExpectTableColumnsToMatchSet(
                column_set=INDICATOR_KEY + ["numerator", "denominator", "value", "suppressed", "quality"],
                exact_match=False,
                **tag(CRITICAL, "Indikatortabellen har de aftalte kolonner (README: «The indicator table»)."),
            ),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=INDICATOR_KEY,
                **tag(CRITICAL, "Én række pr. kommune × indsats × periodetype × periode × indikator."),
            ),
            *[
                gxe.ExpectColumnValuesToNotBeNull(
                    column=col, **tag(CRITICAL, f"Nøglekolonnen {col} er altid udfyldt.")
                )
                for col in INDICATOR_KEY
            ],
            gxe.ExpectColumnValuesToBeInSet(
                column="period_type", value_set=PERIOD_TYPES,
                **tag(CRITICAL, "Periodetypen er month, quarter eller year."),
            ),
            gxe.ExpectColumnValuesToMatchRegex(
                column="period", regex=r"^\d{4}(?:-\d{2}|-Q[1-4])?$",
                **tag(CRITICAL, "Perioden skrives 2026-03, 2026-Q1 eller 2026."),
            ),
            gxe.ExpectColumnValuesToMatchRegex(
                column="kommunekode", regex=r"^\d{3}$",
                **tag(CRITICAL, "Kommunekoden er tre cifre ('000' = hele landet)."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="value", min_value=0, max_value=1,
                row_condition=Column("is_share") == True,  # noqa: E712 - a GX condition, not a comparison
                **tag(CRITICAL, "Andele (indikatorer med tæller og nævner) ligger mellem 0 og 1."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="numerator", min_value=0,
                **tag(CRITICAL, "Tællere er ikke negative."),
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="value", row_condition=Column("denominator") == 0,
                **tag(WARNING, "En indikator med nævner 0 har ingen værdi."),
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="suppressed", **tag(WARNING, "Diskretioneringsflaget er sat på alle rækker."),
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="quality", value_set=QUALITY_BADGES,
                **tag(WARNING, "Kvalitetsmærket er god, middel eller svag (eller tomt)."),
            ),
        ],
    )


def prepare_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicator mart plus the helper column the rate expectation filters on: a share has both a
    numerator and a denominator (a statistic such as a median has only the denominator, a count only
    the numerator), and is not a ratio to a target."""
    frame = indicators.copy()
    frame["is_share"] = (
        frame["numerator"].notna() & frame["denominator"].notna()
        & ~frame["indicator"].str.startswith(RATIO_TO_TARGET_PREFIX)
    )
    return frame


def is_flow_count(indicator: pd.Series) -> pd.Series:
    return indicator.isin(FLOW_COUNTS) | indicator.str.startswith(FLOW_COUNT_PREFIXES)


def _count_value(frame: pd.DataFrame) -> pd.Series:
    numerator = pd.to_numeric(frame["numerator"], errors="coerce")
    value = pd.to_numeric(frame["value"], errors="coerce")
    return numerator.fillna(value).fillna(0).round().astype("int64")


def period_sums_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per kommune × indsats × flow-count indicator × quarter/year: the finer periods' sum
    beside the coarser period's own value (sparse periods count as 0)."""
    flows = indicators[is_flow_count(indicators["indicator"])].copy()
    columns = ["kommunekode", "indsats", "indicator", "level", "period", "finer_sum", "own_value"]
    if flows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    flows["count"] = _count_value(flows)
    flows["year"] = flows["period"].str[:4]
    keys = ["kommunekode", "indsats", "indicator"]
    months = flows[flows["period_type"] == "month"].copy()
    months["quarter_period"] = months["year"] + "-Q" + ((months["period"].str[5:7].astype(int) - 1) // 3 + 1).astype(str)
    quarters = flows[flows["period_type"] == "quarter"]
    years = flows[flows["period_type"] == "year"]

    def compare(finer: pd.DataFrame, finer_key: str, coarse: pd.DataFrame, level: str) -> pd.DataFrame:
        summed = finer.groupby(keys + [finer_key], as_index=False)["count"].sum().rename(
            columns={finer_key: "period", "count": "finer_sum"})
        own = coarse[keys + ["period", "count"]].rename(columns={"count": "own_value"})
        merged = summed.merge(own, on=keys + ["period"], how="outer")
        merged[["finer_sum", "own_value"]] = merged[["finer_sum", "own_value"]].fillna(0).astype("int64")
        merged["level"] = level
        return merged

    result = pd.concat([
        compare(months, "quarter_period", quarters, "quarter"),
        compare(quarters, "year", years, "year"),
    ], ignore_index=True)
    return result[columns]


def period_sums_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="indicators_period_sums",
        expectations=[
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="finer_sum", column_B="own_value",
                **tag(CRITICAL, "Tællinger af forløb (starter, henvisninger, afsluttede) summer: "
                                    "måneder = kvartal, kvartaler = år."),
            ),
        ],
    )


def _period_count(first: str, last: str, period_type: str) -> int:
    def index(period: str) -> int:
        year = int(period[:4])
        if period_type == "month":
            return year * 12 + int(period[5:7]) - 1
        if period_type == "quarter":
            return year * 4 + int(period[6]) - 1
        return year

    return index(last) - index(first) + 1


def period_coverage_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per kommune × indsats × period type: periods present vs the calendar from first to last."""
    columns = ["kommunekode", "indsats", "period_type", "first_period", "last_period", "periods_present",
               "periods_expected"]
    if indicators.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    grouped = indicators.groupby(["kommunekode", "indsats", "period_type"])["period"].agg(
        first_period="min", last_period="max", periods_present="nunique").reset_index()
    grouped["periods_expected"] = [
        _period_count(f, last, t) for f, last, t in
        zip(grouped["first_period"], grouped["last_period"], grouped["period_type"], strict=True)
    ]
    return grouped[columns]


def period_coverage_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="indicators_period_coverage",
        expectations=[
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="periods_present", column_B="periods_expected",
                **tag(WARNING, "Hver kommune × indsats har indikatorer for alle perioder fra den første "
                                   "til den seneste (ingen huller i tidsserien)."),
            ),
        ],
    )


# ---- drift against the previous run ---------------------------------------------------------------
def indicator_profile(indicators: pd.DataFrame) -> pd.DataFrame:
    """Summary persisted with each run: per indicator × period type, rows, numerator sum and mean value."""
    columns = ["indicator", "period_type", "row_count", "numerator_sum", "value_mean"]
    if indicators.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame = indicators.assign(
        numerator=pd.to_numeric(indicators["numerator"], errors="coerce"),
        value=pd.to_numeric(indicators["value"], errors="coerce"),
    )
    profile = frame.groupby(["indicator", "period_type"]).agg(
        row_count=("indicator", "size"), numerator_sum=("numerator", "sum"), value_mean=("value", "mean"),
    ).reset_index()
    return profile[columns]


def drift_frame(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator × period type seen in either run, with the ratios the drift suite checks."""
    merged = previous.merge(current, on=["indicator", "period_type"], how="outer", suffixes=("_previous", "_current"))
    for col in ("row_count_previous", "row_count_current"):
        merged[col] = merged[col].fillna(0)
    merged["row_ratio"] = merged["row_count_current"] / merged["row_count_previous"].where(
        merged["row_count_previous"] > 0)
    # new indicators (no previous rows) are not drift
    merged["row_ratio"] = merged["row_ratio"].fillna(1.0)
    prev_mean = merged["value_mean_previous"].astype(float)
    cur_mean = merged["value_mean_current"].astype(float)
    base = prev_mean.abs().where(prev_mean.abs() > 1e-9)
    merged["mean_change"] = ((cur_mean - prev_mean).abs() / base).fillna(0.0)
    return merged[["indicator", "period_type", "row_count_previous", "row_count_current", "row_ratio",
                   "value_mean_previous", "value_mean_current", "mean_change"]]


def drift_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="indicators_drift",
        expectations=[
            gxe.ExpectColumnValuesToBeBetween(
                column="row_ratio", min_value=DRIFT_ROWS_MIN_RATIO, max_value=DRIFT_ROWS_MAX_RATIO,
                **tag(WARNING, "Antallet af rækker pr. indikator ændrer sig ikke markant siden sidste kørsel "
                                   f"(mellem {DRIFT_ROWS_MIN_RATIO:g} og {DRIFT_ROWS_MAX_RATIO:g} gange)."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="mean_change", min_value=0, max_value=DRIFT_MEAN_MAX_CHANGE,
                **tag(WARNING, "Gennemsnitsværdien pr. indikator flytter sig højst "
                                   f"{DRIFT_MEAN_MAX_CHANGE:.0%} siden sidste kørsel."),
            ),
        ],
    )


# ---- no clear CPR anywhere in the marts ----------------------------------------------------------
def cpr_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="no_clear_cpr",
        expectations=[
            gxe.ExpectColumnValuesToNotMatchRegex(
                column="value", regex=CPR_PATTERN,
                **tag(CRITICAL, "Ingen tekstkolonne i nogen mart indeholder noget, der ligner et CPR-nummer."),
            ),
        ],
    )


def cpr_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """Where CPR-shaped strings occur (relation, column, count) without the values themselves."""
    if frame.empty:
        return pd.DataFrame(columns=["relation", "column_name", "matches"])
    hits = frame[frame["value"].astype(str).str.contains(CPR_RE)]
    return hits.groupby(["relation", "column_name"]).size().reset_index(name="matches")


# ---- the data-quality scorecard ----------------------------------------------------------------
SCORE_COMPONENTS = ("timeliness_score", "coverage_score", "completeness_score", "validity_score",
                    "consistency_score", "outlier_score")


def scorecard_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="dq_scorecard",
        expectations=[
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["kommunekode", "indsats"],
                **tag(CRITICAL, "Én række pr. kommune × indsats i scorekortet."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="score", min_value=0, max_value=100,
                **tag(CRITICAL, "Datakvalitetsscoren ligger mellem 0 og 100."),
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="quality_badge", value_set=QUALITY_BADGES,
                **tag(CRITICAL, "Kvalitetsmærket er god, middel eller svag."),
            ),
            *[
                gxe.ExpectColumnValuesToBeBetween(
                    column=col, min_value=0, max_value=1,
                    **tag(WARNING, f"Delscoren {col} ligger mellem 0 og 1."),
                )
                for col in SCORE_COMPONENTS
            ],
        ],
    )


def scorecard_coverage_frame(scorecard: pd.DataFrame, delivered_pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per kommune × indsats that delivered a file, with whether the scorecard has it."""
    have = scorecard[["kommunekode", "indsats"]].drop_duplicates().assign(in_scorecard=True)
    merged = delivered_pairs.merge(have, on=["kommunekode", "indsats"], how="left")
    merged["in_scorecard"] = merged["in_scorecard"].fillna(False).astype(bool)
    return merged


def scorecard_coverage_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="dq_scorecard_coverage",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="in_scorecard", value_set=[True],
                **tag(CRITICAL, "Alle kommuner × indsatser, der har indsendt filer, har en række i scorekortet."),
            ),
        ],
    )


# ---- other marts, when they exist ---------------------------------------------------------------------
def fidelity_rule_summary_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="fidelity_rule_summary",
        expectations=[
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["kommunekode", "indsats", "period_type", "period", "rule_code"],
                **tag(CRITICAL, "Én række pr. kommune × indsats × periode × fidelitetsregel."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="adherence", min_value=0, max_value=1,
                **tag(CRITICAL, "Fidelitet (andel overholdt) ligger mellem 0 og 1."),
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="checked", column_B="passed", or_equal=True,
                **tag(CRITICAL, "Antal overholdt er højst antal vurderet."),
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="guidance", **tag(WARNING, "Hver regel har en vejledning på dansk."),
            ),
        ],
    )


def course_attention_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="course_attention",
        expectations=[
            *[
                gxe.ExpectColumnValuesToNotBeNull(column=col, **tag(CRITICAL, f"{col} er altid udfyldt."))
                for col in ("kommunekode", "indsats", "forloeb_id", "issue_code")
            ],
            gxe.ExpectColumnValuesToNotBeNull(
                column="issue_label", **tag(WARNING, "Hver opmærksomhedsmarkering har en dansk tekst."),
            ),
        ],
    )


def timeliness_suite() -> ExpectationSuite:
    return ExpectationSuite(
        name="dq_timeliness",
        expectations=[
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["kommunekode", "indsats", "period"],
                **tag(CRITICAL, "Én række pr. kommune × indsats × forventet periode."),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="days_late", min_value=0,
                **tag(CRITICAL, "Dage for sent er aldrig negativt."),
            ),
        ],
    )


def build_suite_runs(
    marts: Mapping[str, pd.DataFrame],
    cpr_candidates: pd.DataFrame,
    delivered_pairs: pd.DataFrame,
    previous_profile: pd.DataFrame | None,
) -> list[SuiteRun]:
    """All suites for the marts that exist. `marts` maps a mart name to its DataFrame."""
    runs: list[SuiteRun] = []
    indicators = marts.get("indicators")
    if indicators is not None:
        runs.append(SuiteRun("indicators", prepare_indicators(indicators), indicators_suite(), "marts.indicators"))
        runs.append(SuiteRun("indicators_period_sums", period_sums_frame(indicators), period_sums_suite(),
                             "marts.indicators (måneder/kvartaler/år)"))
        runs.append(SuiteRun("indicators_period_coverage", period_coverage_frame(indicators),
                             period_coverage_suite(), "marts.indicators (perioder)"))
        if previous_profile is not None and not previous_profile.empty:
            runs.append(SuiteRun("indicators_drift", drift_frame(indicator_profile(indicators), previous_profile),
                                 drift_suite(), "marts.indicators mod forrige kørsel"))
    scorecard = marts.get("dq_scorecard")
    if scorecard is not None:
        runs.append(SuiteRun("dq_scorecard", scorecard, scorecard_suite(), "marts.dq_scorecard"))
        runs.append(SuiteRun("dq_scorecard_coverage", scorecard_coverage_frame(scorecard, delivered_pairs),
                             scorecard_coverage_suite(), "marts.dq_scorecard mod raw.files"))
    if marts.get("dq_timeliness") is not None:
        runs.append(SuiteRun("dq_timeliness", marts["dq_timeliness"], timeliness_suite(), "marts.dq_timeliness"))
    if marts.get("fidelity_rule_summary") is not None:
        runs.append(SuiteRun("fidelity_rule_summary", marts["fidelity_rule_summary"], fidelity_rule_summary_suite(),
                             "marts.fidelity_rule_summary"))
    if marts.get("course_attention") is not None:
        runs.append(SuiteRun("course_attention", marts["course_attention"], course_attention_suite(),
                             "marts.course_attention"))
    runs.append(SuiteRun("no_clear_cpr", cpr_candidates, cpr_suite(), "alle tekstkolonner i marts",
                         result_format="BOOLEAN_ONLY"))
    return runs
