"""The disclosure policy is a pure function of the rows: the input order and float noise change nothing."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from udbredelse.disclosure import KEY_COLUMNS, apply_disclosure, recomputable_cells, round_published

SCHEMA = {
    "kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
    "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
}
KOMMUNER = ["101", "147", "151", "153", "155"]


def count(k: str, indicator: str, n: int, period: str = "2026-01", period_type: str = "month") -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": period_type, "period": period,
            "indicator": indicator, "numerator": float(n), "denominator": None, "value": float(n)}


def rate(k: str, indicator: str, n: float, d: float, period: str = "2026-01") -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": "month", "period": period, "indicator": indicator,
            "numerator": n, "denominator": d, "value": n / d if d else None}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def verdicts(out: pl.DataFrame) -> list[tuple]:
    return out.select(*KEY_COLUMNS, "suppressed").sort(KEY_COLUMNS).rows()


def test_a_tie_is_broken_by_the_keys_not_by_the_row_order() -> None:
    # 101 (3) is hidden; 147 and 151 are both 10: the one to hide with it is 147, first in key order,
    # however the rows arrive.
    rows = [count("101", "starts", 3), count("147", "starts", 10), count("151", "starts", 10),
            count("000", "starts", 23)]
    forward = apply_disclosure(frame(rows))
    backward = apply_disclosure(frame(rows[::-1]))
    assert verdicts(forward) == verdicts(backward)
    hidden = set(forward.filter(pl.col("suppressed"))["kommunekode"].to_list())
    assert hidden == {"101", "147"}
    # rows come back in their input order
    assert backward["kommunekode"].to_list() == ["000", "151", "147", "101"]


def test_completion_rate_tie_across_municipalities_is_order_free() -> None:
    # the shape of the reported difference: a national completion_rate whose verdict depended on order
    rows = []
    # 101's 3 interrupted are hidden; 147 and 151 tie (7 each) for the secondary suppression
    for k, (done, stopped) in zip(KOMMUNER[:3], ((12, 3), (8, 7), (8, 7)), strict=True):
        rows += [count(k, "ended_completed", done, "2026-02"), count(k, "ended_interrupted", stopped, "2026-02"),
                 rate(k, "completion_rate", float(done), float(done + stopped), "2026-02")]
    rows += [count("000", "ended_completed", 28, "2026-02"), count("000", "ended_interrupted", 17, "2026-02"),
             rate("000", "completion_rate", 28.0, 45.0, "2026-02")]
    reference = verdicts(apply_disclosure(frame(rows)))
    for shift in range(1, len(rows)):
        assert verdicts(apply_disclosure(frame(rows[shift:] + rows[:shift]))) == reference
        assert verdicts(apply_disclosure(frame(rows[::-1][shift:] + rows[::-1][:shift]))) == reference


def test_float_noise_in_the_last_digits_is_rounded_away() -> None:
    noisy = frame([rate("000", "target_projection_year_end", 565.1612999999999, 600.0),
                   rate("000", "target_attainment_ytd", 140.0, 600.0)])
    clean = frame([rate("000", "target_projection_year_end", 565.1613, 600.0),
                   rate("000", "target_attainment_ytd", 140.0, 600.0)])
    assert round_published(noisy).equals(round_published(clean))
    assert round_published(noisy)["numerator"][0] == 565.1613
    # whole numbers stay exact, missing stays missing
    counts = round_published(frame([count("101", "starts", 25), rate("101", "x", 0.0, 0.0)]))
    assert counts["numerator"].to_list() == [25.0, 0.0] and counts["value"].to_list() == [25.0, None]
    # a count that is whole only up to float noise is still a count 3 (hidden), not a fraction
    almost = frame([count("101", "starts", 3) | {"numerator": 3.0000000000004, "value": 3.0000000000004}])
    assert apply_disclosure(almost)["suppressed"].to_list() == [True]


@settings(max_examples=50, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=2, max_size=5),
    order=st.randoms(use_true_random=False),
)
def test_property_shuffled_input_gives_identical_output(counts: list[list[int]], order) -> None:
    """Municipalities x months with their quarter, national totals, a margin and rates; many ties (small
    integer ranges). Any permutation of the rows gives the same verdicts, row for row by key."""
    rows = []
    kommuner = KOMMUNER[: len(counts)]
    for k, months in zip(kommuner, counts, strict=True):
        for m, n in enumerate(months, start=1):
            rows.append(count(k, "starts", n, f"2026-0{m}"))
            rows.append(count(k, "starts_sex_m", n // 2, f"2026-0{m}"))
            rows.append(count(k, "starts_sex_k", n - n // 2, f"2026-0{m}"))
            rows.append(rate(k, "waiting_within_limit", float(n // 3), float(n), f"2026-0{m}"))
        rows.append(count(k, "starts", sum(months), "2026-Q1", "quarter"))
    for m in range(3):
        rows.append(count("000", "starts", sum(c[m] for c in counts), f"2026-0{m + 1}"))
    rows.append(count("000", "starts", sum(sum(c) for c in counts), "2026-Q1", "quarter"))
    reference = apply_disclosure(frame(rows))
    shuffled = rows[:]
    order.shuffle(shuffled)
    out = apply_disclosure(frame(shuffled))
    assert verdicts(out) == verdicts(reference)
    # and the output rows are the input rows, in the input order
    assert out.drop("public", "suppressed", "suppression").equals(frame(shuffled))
    assert recomputable_cells(out).is_empty()


def test_published_numbers_never_hold_a_cpr_shaped_digit_run() -> None:
    import re

    import polars as pl

    from udbredelse.disclosure import round_published

    values = [7 / 48, 2 / 3, 1 / 7, 565.16129999999, 0.1458333333333]
    out = round_published(pl.DataFrame({"numerator": values, "denominator": values, "value": values}))
    text = out.write_csv()
    assert not re.search(r"\d{10}", text), text
