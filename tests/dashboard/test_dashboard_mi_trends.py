"""Rolling 12-month rates, comparable-municipality medians and the few-courses mark (dashboard/trends.py)."""

import math

import pandas as pd
import pytest

from dashboard import trends


def _months(n: int, start: str = "2025-01") -> list[str]:
    return pd.date_range(start, periods=n, freq="MS").strftime("%Y-%m").tolist()


def test_rolling_rate_sums_numerators_and_denominators() -> None:
    periods = _months(14)
    frame = pd.DataFrame({"kommunekode": "101", "indsats": "MOVE", "indicator": "completion_rate", "period": periods,
                          "numerator": [1.0] * 14, "denominator": [2.0] * 12 + [4.0, 4.0]})
    out = trends.rolling_rate(frame)
    assert out["rolling_value"].iloc[:11].isna().all()  # a window is only given when full
    assert out["rolling_value"].iloc[11] == pytest.approx(12 / 24)
    assert out["rolling_numerator"].iloc[13] == 12 and out["rolling_denominator"].iloc[13] == 2 * 10 + 8
    assert out["rolling_value"].iloc[13] == pytest.approx(12 / 28)


def test_rolling_rate_counts_months_not_rows_and_hidden_months_stay_unknown() -> None:
    periods = _months(13)
    frame = pd.DataFrame({"kommunekode": "101", "indsats": "MOVE", "indicator": "completion_rate", "period": periods,
                          "numerator": [1.0] * 13, "denominator": [1.0] * 13})
    gap = frame.drop(index=[5])  # no row for 2025-06: no courses that month
    out = trends.rolling_rate(gap)
    assert len(out) == 13 and out.loc[out["period"] == "2025-06", "numerator"].isna().all()
    assert out.loc[out["period"] == "2025-12", "rolling_value"].iloc[0] == pytest.approx(1.0)
    assert out.loc[out["period"] == "2025-12", "rolling_denominator"].iloc[0] == 11
    hidden = frame.copy()
    hidden.loc[5, ["numerator", "denominator"]] = math.nan  # suppressed: the window is unknown, not smaller
    out = trends.rolling_rate(hidden)
    assert out["rolling_value"].iloc[11:].isna().all()


def test_last_months() -> None:
    frame = pd.DataFrame({"period": _months(30), "value": range(30)})
    kept = trends.last_months(frame, 24)
    assert kept["period"].iloc[0] == "2025-07" and kept["period"].iloc[-1] == "2027-06" and len(kept) == 24


def test_comparable_median_leaves_out_own_hidden_and_thin_periods() -> None:
    frame = pd.DataFrame({
        "kommunekode": ["101", "147", "151", "153", "155", "147", "151"],
        "period": ["2026-01"] * 5 + ["2026-02"] * 2,
        "value": [0.9, 0.2, 0.4, 0.6, 0.99, 0.5, 0.5],
        "is_hidden": [False, False, False, False, True, False, False],
    })
    out = trends.comparable_median(frame, ["101", "147", "151", "153", "155"], exclude="101")
    assert out.to_dict("records") == [{"period": "2026-01", "value": pytest.approx(0.4), "members": 3}]


def test_few_courses() -> None:
    assert trends.few_courses(4, 10) and trends.few_courses(None, 10) and trends.few_courses(math.nan, 10)
    assert not trends.few_courses(10, 10)
