"""GX suites on hand-made DataFrames: each critical rule fails when its invariant is broken."""

from __future__ import annotations

import pandas as pd
import pytest

from udbredelse.quality.runner import validate_suite_runs
from validation.quality import suites as s

MONTH_STARTS = {"2026-01": 1, "2026-02": 2, "2026-03": 0, "2026-04": 3, "2026-05": 1, "2026-06": 2}


def _row(kommune: str, period_type: str, period: str, indicator: str, numerator: float | None,
         denominator: float | None, value: float | None) -> dict[str, object]:
    return {"kommunekode": kommune, "indsats": "MOVE", "period_type": period_type, "period": period,
            "indicator": indicator, "numerator": numerator, "denominator": denominator, "value": value,
            "suppressed": False, "quality": "god"}


def good_indicators() -> pd.DataFrame:
    rows = []
    for kommune in ("101", "000"):
        for period, n in MONTH_STARTS.items():
            rows.append(_row(kommune, "month", period, "starts", n, None, n))
        rows.append(_row(kommune, "quarter", "2026-Q1", "starts", 3, None, 3))
        rows.append(_row(kommune, "quarter", "2026-Q2", "starts", 6, None, 6))
        rows.append(_row(kommune, "year", "2026", "starts", 9, None, 9))
        rows.append(_row(kommune, "year", "2026", "completion_rate", 3, 4, 0.75))
        rows.append(_row(kommune, "year", "2026", "target_attainment_ytd", 9, 7, 9 / 7))  # above target: fine
        rows.append(_row(kommune, "quarter", "2026-Q1", "completion_rate", 0, 0, None))
    return pd.DataFrame(rows)


def _failed(outcomes: list[dict]) -> set[tuple[str, str, str]]:
    failed = set()
    for outcome in outcomes:
        for item in outcome["result"].results:
            if not item.success:
                cfg = item.expectation_config
                failed.add((outcome["run"].name, cfg.type, cfg.meta["severity"]))
    return failed


def _indicator_runs(frame: pd.DataFrame) -> list[s.SuiteRun]:
    return s.build_suite_runs({"indicators": frame}, pd.DataFrame({"relation": [], "column_name": [], "value": []}),
                              pd.DataFrame({"kommunekode": [], "indsats": []}), previous_profile=None)


@pytest.fixture(scope="module")
def good_outcomes() -> list[dict]:
    return validate_suite_runs(_indicator_runs(good_indicators()))


def test_good_indicators_pass_every_expectation(good_outcomes: list[dict]) -> None:
    names = {o["run"].name for o in good_outcomes}
    assert {"indicators", "indicators_period_sums", "indicators_period_coverage", "no_clear_cpr"} <= names
    assert _failed(good_outcomes) == set()


def test_duplicate_key_rate_above_one_and_broken_sums_fail_critically() -> None:
    frame = good_indicators()
    duplicate = frame.iloc[[0]]
    frame.loc[frame["indicator"] == "completion_rate", "value"] = frame["value"].where(
        frame["denominator"] != 4, 1.25)  # a share above 1
    frame.loc[(frame["period"] == "2026-Q2") & (frame["kommunekode"] == "101"), ["numerator", "value"]] = 7
    broken = pd.concat([frame, duplicate], ignore_index=True)
    failed = _failed(validate_suite_runs(_indicator_runs(broken)))
    assert ("indicators", "expect_compound_columns_to_be_unique", "critical") in failed
    assert ("indicators", "expect_column_values_to_be_between", "critical") in failed
    assert ("indicators_period_sums", "expect_column_pair_values_to_be_equal", "critical") in failed


def test_period_sums_frame_compares_months_quarters_year() -> None:
    sums = s.period_sums_frame(good_indicators())
    q2 = sums[(sums["kommunekode"] == "101") & (sums["period"] == "2026-Q2")].iloc[0]
    assert (q2["finer_sum"], q2["own_value"]) == (6, 6)
    year = sums[(sums["kommunekode"] == "101") & (sums["level"] == "year")].iloc[0]
    assert (year["finer_sum"], year["own_value"]) == (9, 9)


def test_gap_in_periods_is_a_warning() -> None:
    frame = good_indicators()
    frame = frame[~((frame["period"] == "2026-03") & (frame["kommunekode"] == "101"))]
    coverage = s.period_coverage_frame(frame)
    row = coverage[(coverage["kommunekode"] == "101") & (coverage["period_type"] == "month")].iloc[0]
    assert (row["periods_present"], row["periods_expected"]) == (5, 6)
    failed = _failed(validate_suite_runs(_indicator_runs(frame)))
    assert ("indicators_period_coverage", "expect_column_pair_values_to_be_equal", "warning") in failed
    assert not any(sev == "critical" for _, _, sev in failed)


def test_cpr_pattern_catches_cpr_shapes_but_not_pseudonyms() -> None:
    hits = ["610190-1234", "6101901234", "borger 710385-4321 flyttet"]  # fictitious (day + 60)
    misses = ["a" + "1234567890" + "bcdef0123456789abcdef0123456", "2026-03", "101|MOVE|2026-Q1",
              "12345678901", "991399-1234"]  # hex pseudonym, periods, 11 digits, month 13
    assert all(s.CPR_RE.search(v) for v in hits)
    assert not any(s.CPR_RE.search(v) for v in misses)
    frame = pd.DataFrame({"relation": "marts.x", "column_name": "details", "value": hits + misses})
    run = s.SuiteRun("no_clear_cpr", frame, s.cpr_suite(), "test", result_format="BOOLEAN_ONLY")
    outcome = validate_suite_runs([run])[0]
    assert not outcome["result"].success
    # no value makes it into the result
    assert "610190" not in str(outcome["result"].to_json_dict())
    findings = s.cpr_findings(frame)
    assert findings["matches"].tolist() == [3]


def test_drift_against_previous_profile() -> None:
    current = s.indicator_profile(good_indicators())
    same = s.drift_frame(current, current)
    assert same["row_ratio"].eq(1).all() and same["mean_change"].eq(0).all()
    doubled = current.assign(row_count=current["row_count"] * 2, value_mean=current["value_mean"] * 3)
    runs = s.build_suite_runs({"indicators": good_indicators()}, pd.DataFrame(columns=["relation", "column_name",
                              "value"]), pd.DataFrame(columns=["kommunekode", "indsats"]), previous_profile=doubled)
    failed = _failed(validate_suite_runs(runs))
    assert ("indicators_drift", "expect_column_values_to_be_between", "warning") in failed
    assert not any(sev == "critical" for _, _, sev in failed)


def test_every_expectation_is_marked_critical_or_warning() -> None:
    for suite in (s.indicators_suite(), s.period_sums_suite(), s.period_coverage_suite(), s.drift_suite(),
                  s.cpr_suite(), s.scorecard_suite(), s.scorecard_coverage_suite(), s.fidelity_rule_summary_suite(),
                  s.course_attention_suite(), s.timeliness_suite()):
        for expectation in suite.expectations:
            assert expectation.meta["severity"] in (s.CRITICAL, s.WARNING)
            assert expectation.meta["beskrivelse"]
