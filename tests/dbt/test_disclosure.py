"""The disclosure policy (udbredelse.disclosure): primary and secondary suppression, pure polars."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from udbredelse.disclosure import (
    DisclosurePolicy,
    apply_disclosure,
    parent_period,
    previous_period,
    recomputable_cells,
    threshold_from_parameters,
    visible_small_counts,
)

SCHEMA = {
    "kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
    "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
}


def count(k: str, indicator: str, n: int, period: str = "2026-01", period_type: str = "month") -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": period_type, "period": period,
            "indicator": indicator, "numerator": float(n), "denominator": None, "value": float(n)}


def rate(k: str, indicator: str, n: int, d: int, period: str = "2026-01") -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": "month", "period": period, "indicator": indicator,
            "numerator": float(n), "denominator": float(d), "value": n / d if d else None}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def hidden(out: pl.DataFrame) -> set[tuple[str, str, str]]:
    return {(r["kommunekode"], r["indicator"], r["period"]) for r in out.filter(pl.col("suppressed")).iter_rows(named=True)}


def test_primary_hides_1_to_threshold_minus_1_and_never_zero() -> None:
    out = apply_disclosure(frame([count("101", "starts", n) | {"indsats": str(n)} for n in range(0, 8)]))
    assert out.sort("indsats")["suppressed"].to_list() == [False, True, True, True, True, False, False, False]


def test_threshold_is_a_parameter() -> None:
    rows = frame([count("101", "starts", 3) | {"indsats": "A"}, count("101", "starts", 2) | {"indsats": "B"}])
    out = apply_disclosure(rows, threshold=3).sort("indsats")
    assert out["suppressed"].to_list() == [False, True]


def test_single_small_municipality_forces_a_second_cell_not_the_national_total() -> None:
    out = apply_disclosure(frame([count("101", "starts", 3), count("147", "starts", 10), count("151", "starts", 12),
                                  count("000", "starts", 25)]))
    # 101 alone would be 25 - 10 - 12; the smallest other municipality is hidden too, the total stays.
    assert hidden(out) == {("101", "starts", "2026-01"), ("147", "starts", "2026-01")}
    assert recomputable_cells(out).is_empty()


def test_two_small_cells_need_no_secondary() -> None:
    out = apply_disclosure(frame([count("101", "starts", 3), count("147", "starts", 2), count("151", "starts", 12),
                                  count("000", "starts", 17)]))
    assert hidden(out) == {("101", "starts", "2026-01"), ("147", "starts", "2026-01")}


def test_months_in_a_quarter_are_protected_against_the_quarter_total() -> None:
    rows = [count("101", "referrals", n, f"2026-0{m}") for m, n in ((1, 2), (2, 9), (3, 7))]
    rows.append(count("101", "referrals", 18, "2026-Q1", "quarter"))
    out = apply_disclosure(frame(rows))
    assert ("101", "referrals", "2026-01") in hidden(out)
    assert ("101", "referrals", "2026-03") in hidden(out)  # the smallest other month (7 < 9)
    assert ("101", "referrals", "2026-Q1") not in hidden(out)
    assert recomputable_cells(out).is_empty()


def test_stock_quarter_equals_last_month_and_is_hidden_with_it() -> None:
    # active_end is a stock: the quarter's value is March's value, not the sum of the months.
    rows = [count("101", "active_end", n, f"2026-0{m}") for m, n in ((1, 8), (2, 6), (3, 3))]
    rows.append(count("101", "active_end", 3, "2026-Q1", "quarter"))
    out = apply_disclosure(frame(rows))
    assert {("101", "active_end", "2026-03"), ("101", "active_end", "2026-Q1")} <= hidden(out)


def test_margin_of_categories_is_protected() -> None:
    rows = [count("101", "starts", 20), count("101", "starts_sex_m", 2), count("101", "starts_sex_k", 18),
            count("101", "starts_sex_ukendt", 0)]
    out = apply_disclosure(frame(rows))
    assert ("101", "starts_sex_m", "2026-01") in hidden(out)
    # 18 is the smallest positive other member (0 would not protect anything)
    assert ("101", "starts_sex_k", "2026-01") in hidden(out)
    assert ("101", "starts", "2026-01") not in hidden(out)


def test_rate_hidden_with_small_numerator_denominator_or_difference() -> None:
    out = apply_disclosure(frame([
        rate("101", "a_small_numerator", 2, 30), rate("101", "b_small_difference", 28, 30),
        rate("101", "c_fine", 10, 30), rate("101", "d_zero_denominator", 0, 0),
    ])).sort("indicator")
    assert out["suppressed"].to_list() == [True, True, False, False]


def test_rate_hidden_when_it_reveals_a_hidden_count() -> None:
    # ended_interrupted = 9 is hidden secondarily (national differencing); completion_rate 20/29 would give it as 29 - 20.
    rows = [
        count("101", "ended_interrupted", 3), count("147", "ended_interrupted", 9), count("151", "ended_interrupted", 30),
        count("000", "ended_interrupted", 42), rate("147", "completion_rate", 20, 29),
    ]
    out = apply_disclosure(frame(rows))
    assert ("147", "ended_interrupted", "2026-01") in hidden(out)
    assert ("147", "completion_rate", "2026-01") in hidden(out)


def test_stock_flow_between_adjacent_months() -> None:
    # active_end(Feb) = active_end(Jan) + starts(Feb) - ended_total(Feb): 20 = 18 + 3 - 1
    rows = [count("101", "active_end", 18, "2026-01"), count("101", "active_end", 20, "2026-02"),
            count("101", "starts", 3, "2026-02"), count("101", "ended_total", 10, "2026-02")]
    rows[3]["value"] = rows[3]["numerator"] = 1.0  # ended_total 1: primary as well
    rows[2]["value"] = rows[2]["numerator"] = 3.0
    out = apply_disclosure(frame(rows))
    assert recomputable_cells(out).is_empty()
    rows[3]["value"] = rows[3]["numerator"] = 11.0  # now only starts (3) is small: 20 = 18 + 3 - 11 would reveal it
    rows[1]["value"] = rows[1]["numerator"] = 10.0
    out = apply_disclosure(frame(rows))
    assert ("101", "starts", "2026-02") in hidden(out)
    assert len(hidden(out)) >= 2
    assert recomputable_cells(out).is_empty()


def test_other_columns_are_kept_and_empty_frames_work() -> None:
    rows = frame([count("101", "starts", 3)]).with_columns(pl.lit("god").alias("quality"))
    out = apply_disclosure(rows)
    assert out.columns == [*rows.columns, "public", "suppressed", "suppression"]
    assert out["suppression"].to_list() == ["primary"]  # a count of 3: shown as "<5"
    assert apply_disclosure(frame([]))["suppressed"].to_list() == []


def test_marks_are_honest_primary_only_for_small_counts() -> None:
    rows = frame([count("101", "starts", 3), count("147", "starts", 40), count("000", "starts", 43),
                  count("101", "referrals", 0)])
    out = apply_disclosure(rows, threshold=5)
    marks = dict(zip(out["kommunekode"] + ":" + out["indicator"], out["suppression"], strict=True))
    # 3 is primary ("<5"); the 40 hidden so that 3 cannot be worked out from the national 43 is "skjult"
    assert marks["101:starts"] == "primary"
    assert marks["147:starts"] == "secondary" or marks["000:starts"] == "secondary"
    assert marks["101:referrals"] is None
    small = out.filter(pl.col("suppression") == "primary")
    assert ((small["value"] >= 1) & (small["value"] <= 4)).all()


def test_threshold_from_parameters_and_period_helpers() -> None:
    params = pl.DataFrame({"parameter": ["fidelity_green_from", "suppression_threshold"], "value": [0.8, 4.0]})
    assert threshold_from_parameters(params) == 4
    with pytest.raises(ValueError, match="suppression_threshold"):
        threshold_from_parameters(pl.DataFrame({"parameter": [], "value": []}))
    assert parent_period("month", "2026-05") == ("quarter", "2026-Q2")
    assert parent_period("quarter", "2026-Q4") == ("year", "2026")
    assert previous_period("month", "2026-01") == "2025-12"
    assert previous_period("quarter", "2026-Q1") == "2025-Q4"
    assert previous_period("year", "2026") == "2025"


KOMMUNER = ["101", "147", "151", "153", "155"]


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=2, max_size=5),
    threshold=st.integers(3, 6),
)
def test_property_no_small_visible_count_and_nothing_recomputable(counts: list[list[int]], threshold: int) -> None:
    """Municipalities x months of a quarter, plus national and quarter totals: the two guarantees hold."""
    rows = []
    kommuner = KOMMUNER[: len(counts)]
    for k, months in zip(kommuner, counts, strict=True):
        for m, n in enumerate(months, start=1):
            rows.append(count(k, "starts", n, f"2026-0{m}"))
        rows.append(count(k, "starts", sum(months), "2026-Q1", "quarter"))
    for m in range(3):
        rows.append(count("000", "starts", sum(c[m] for c in counts), f"2026-0{m + 1}"))
    rows.append(count("000", "starts", sum(sum(c) for c in counts), "2026-Q1", "quarter"))
    out = apply_disclosure(frame(rows), threshold=threshold)
    assert visible_small_counts(out, threshold).is_empty()
    assert recomputable_cells(out, DisclosurePolicy(threshold=threshold)).is_empty()
    # every small count is hidden, and a hidden cell never stands alone in its national or quarter sum
    assert out.filter((pl.col("value") >= 1) & (pl.col("value") < threshold) & ~pl.col("suppressed")).is_empty()


def test_unreadable_periods_and_missing_keys_do_not_break_the_policy() -> None:
    rows = [count("101", "starts", 3, "ukendt"), count("000", "starts", 3, "ukendt")]
    rows.append({**count("147", "starts", 2), "kommunekode": None})
    out = apply_disclosure(frame(rows))
    assert out["suppressed"].to_list() == [True, True, True]
    assert previous_period("month", "x") is None and parent_period("month", "x") is None


@settings(max_examples=40, deadline=None)
@given(
    categories=st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=2, max_size=4),
    stocks=st.lists(st.integers(0, 30), min_size=2, max_size=4),
)
def test_property_margins_and_national_totals(categories: list[list[int]], stocks: list[int]) -> None:
    """starts = sum of starts_sex_*, nationally and per municipality, plus a stock; the guarantees hold."""
    rows = []
    kommuner = KOMMUNER[: len(categories)]
    for k, parts in zip(kommuner, categories, strict=True):
        rows.append(count(k, "starts", sum(parts)))
        rows += [count(k, f"starts_sex_{name}", n) for name, n in zip(("m", "k", "ukendt"), parts, strict=True)]
    rows.append(count("000", "starts", sum(sum(p) for p in categories)))
    for i, name in enumerate(("m", "k", "ukendt")):
        rows.append(count("000", f"starts_sex_{name}", sum(p[i] for p in categories)))
    for k, n in zip(kommuner, stocks, strict=False):
        rows.append(count(k, "active_end", n))
    out = apply_disclosure(frame(rows))
    assert visible_small_counts(out, 5).is_empty()
    assert recomputable_cells(out).is_empty()
