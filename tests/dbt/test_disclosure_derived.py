"""The disclosure policy on derived counts (the year-end projection) and on indicators that count no people."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from udbredelse.disclosure import DisclosurePolicy, apply_disclosure, recomputable_cells, visible_small_counts

SCHEMA = {
    "kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
    "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
}
KOMMUNER = ["101", "147", "151", "153", "155"]
DAYS_IN_YEAR = 365
DAYS_TO_END_OF_FEBRUARY = 59


def count(k: str, indicator: str, n: float, period: str = "2026-02", period_type: str = "month") -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": period_type, "period": period,
            "indicator": indicator, "numerator": float(n), "denominator": None, "value": float(n)}


def rate(k: str, indicator: str, n: float | None, d: float, period: str = "2026-02") -> dict:
    value = n / d if d and n is not None else None
    return {"kommunekode": k, "indsats": "MOVE", "period_type": "month", "period": period, "indicator": indicator,
            "numerator": n, "denominator": d, "value": value}


def projection(k: str, starts_ytd: int, target: int, days_elapsed: int = DAYS_TO_END_OF_FEBRUARY) -> dict:
    """As int_target_projections: starts_ytd x days_in_year / days_elapsed (4 decimals) over the target."""
    return rate(k, "target_projection_year_end", round(starts_ytd * DAYS_IN_YEAR / days_elapsed, 4), float(target))


def attainment(k: str, starts_ytd: int, target: int) -> dict:
    return rate(k, "target_attainment_ytd", float(starts_ytd), float(target))


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def hidden(out: pl.DataFrame) -> set[tuple[str, str]]:
    return {(r["kommunekode"], r["indicator"]) for r in out.filter(pl.col("suppressed")).iter_rows(named=True)}


def test_projection_of_a_small_start_count_is_hidden_with_it() -> None:
    # 3 starts by the end of February: the projection 18.5593 / 20 would give 18.5593 x 59 / 365 = 3.
    rows = [attainment("101", 3, 20), projection("101", 3, 20), attainment("147", 12, 20), projection("147", 12, 20)]
    out = apply_disclosure(frame(rows))
    assert ("101", "target_attainment_ytd") in hidden(out)
    assert ("101", "target_projection_year_end") in hidden(out)
    assert ("147", "target_projection_year_end") not in hidden(out)


def test_projection_follows_a_secondary_suppression_of_its_count() -> None:
    # 101's 3 starts are hidden; nationally 147's 12 is hidden with them (smallest other), so 147's
    # projection goes too: else 000 - 151 - 147 would give 101's projection and with it its starts.
    rows = [attainment("101", 3, 20), attainment("147", 12, 30), attainment("151", 40, 50), attainment("000", 55, 100)]
    rows += [projection("101", 3, 20), projection("147", 12, 30), projection("151", 40, 50)]
    rows.append(rate("000", "target_projection_year_end", sum(r["numerator"] for r in rows[4:7]), 100.0))
    out = apply_disclosure(frame(rows))
    assert {("101", "target_projection_year_end"), ("147", "target_projection_year_end")} <= hidden(out)
    assert ("151", "target_projection_year_end") not in hidden(out)
    assert recomputable_cells(out).is_empty()


def test_national_projection_is_an_identity_of_its_own() -> None:
    # 153 has starts but no target, so the national attainment (starts of municipalities with a target,
    # 55) is not the sum of the municipal rows and protects nothing. The national projection still is the
    # sum of the municipal projections: 101's would be 000 - 147 - 151. The smallest other projection
    # (147's) is hidden, and with it 147's attainment (which would give the same count back).
    rows = [attainment("101", 3, 20), attainment("147", 12, 30), attainment("151", 40, 50),
            rate("153", "target_attainment_ytd", 7.0, None), attainment("000", 55, 100)]
    projections = [projection("101", 3, 20), projection("147", 12, 30, 50), projection("151", 40, 50)]
    national = round(sum(r["numerator"] for r in projections), 4)
    rows += [*projections, rate("000", "target_projection_year_end", national, 100.0)]
    out = apply_disclosure(frame(rows))
    assert {("101", "target_projection_year_end"), ("147", "target_projection_year_end"),
            ("147", "target_attainment_ytd")} <= hidden(out)
    assert ("151", "target_projection_year_end") not in hidden(out)
    assert recomputable_cells(out).is_empty()
    # the identity is checked in the data: a national projection that is not the sum protects nothing new
    rows[-1] = rate("000", "target_projection_year_end", national + 1.0, 100.0)
    assert ("147", "target_projection_year_end") not in hidden(apply_disclosure(frame(rows)))


def test_projection_without_its_count_row_or_below_the_threshold_is_hidden() -> None:
    # no target_attainment_ytd row in the cell: nothing vouches for the count, hide
    assert apply_disclosure(frame([projection("101", 12, 20)]))["suppressed"].to_list() == [True]
    # a scaled count below the threshold is below the threshold unscaled as well (and the two rows that
    # publish the count are hidden together, even when, as here, the data disagree)
    rows = [attainment("101", 12, 20), rate("101", "target_projection_year_end", 2.5, 20.0)]
    assert apply_disclosure(frame(rows))["suppressed"].to_list() == [True, True]
    assert apply_disclosure(frame(rows[1:]))["suppressed"].to_list() == [True]
    assert visible_small_counts(frame(rows).with_columns(pl.lit(False).alias("suppressed")), 5).height == 1


def test_target_is_not_people_only_the_starts_are_checked() -> None:
    rows = [
        attainment("101", 12, 3),               # small target: shown (12 starts, 400 %)
        attainment("147", 18, 20),              # target - starts = 2 is no people count: shown
        attainment("151", 2, 30),               # 2 starts: hidden
        count("101", "target_year", 3, "2026", "year"),  # a plan, not people: shown
    ]
    out = apply_disclosure(frame(rows))
    assert hidden(out) == {("151", "target_attainment_ytd")}
    assert visible_small_counts(out, 5).is_empty()


def test_milestones_count_no_people_and_are_never_hidden() -> None:
    rows = [
        rate("101", "milestones_done_share", 2.0, 10.0), rate("101", "milestones_done_share_fase_1", 1.0, 3.0),
        count("101", "milestones_overdue", 2), count("101", "milestones_phase_days_fase_1", 3),
        count("000", "milestones_overdue", 9), count("147", "milestones_overdue", 7),
        count("101", "starts", 2),  # a hidden people count of the same cell ...
    ]
    out = apply_disclosure(frame(rows))
    # ... does not hide the milestone share whose numerator happens to be 2 (no rate link to non-people)
    assert hidden(out) == {("101", "starts")}
    assert visible_small_counts(out, 5).is_empty()
    strict = DisclosurePolicy(exempt=(), exempt_prefixes=())
    assert ("101", "milestones_overdue") in hidden(apply_disclosure(frame(rows), policy=strict))


def test_instrument_shares_partition_the_measured_courses() -> None:
    # improved + unchanged + deteriorated = measured (25): 3 improved would be 25 - 10 - 12.
    rows = [rate("101", "instrument_reliably_improved", 3.0, 25.0), rate("101", "instrument_unchanged", 10.0, 25.0),
            rate("101", "instrument_deteriorated", 12.0, 25.0), rate("101", "instrument_measured_share", 25.0, 30.0),
            rate("101", "instrument_mean_change", None, 25.0)]
    out = apply_disclosure(frame(rows))
    assert {("101", "instrument_reliably_improved"), ("101", "instrument_unchanged")} <= hidden(out)
    assert ("101", "instrument_deteriorated") not in hidden(out)
    assert recomputable_cells(out).is_empty()


def test_register_shares_are_people_and_protected_against_the_national_total() -> None:
    rows = [rate(k, "register_job_12m", float(n), 30.0, "2025") | {"period_type": "year"}
            for k, n in (("101", 2), ("147", 9), ("151", 12))]
    rows.append(rate("000", "register_job_12m", 23.0, 90.0, "2025") | {"period_type": "year"})
    out = apply_disclosure(frame(rows))
    assert hidden(out) == {("101", "register_job_12m"), ("147", "register_job_12m")}
    assert recomputable_cells(out).is_empty()


@settings(max_examples=50, deadline=None)
@given(
    municipalities=st.lists(
        st.tuples(st.integers(0, 15), st.integers(1, 40), st.integers(20, 59)), min_size=2, max_size=5),
)
def test_property_no_visible_projection_reveals_a_small_count(municipalities: list[tuple[int, int, int]]) -> None:
    """Municipalities with starts, target and evaluation day, plus national rows (sums): no visible projection
    of a municipality rests on 1..4 starts, and the national projection never exposes exactly one hidden one."""
    rows = []
    kommuner = KOMMUNER[: len(municipalities)]
    for k, (starts, target, days) in zip(kommuner, municipalities, strict=True):
        rows += [attainment(k, starts, target), projection(k, starts, target, days)]
    total_target = sum(t for _, t, _ in municipalities)
    rows.append(attainment("000", sum(s for s, _, _ in municipalities), total_target))
    rows.append(rate("000", "target_projection_year_end",
                     round(sum(r["numerator"] for r in rows if r["indicator"] == "target_projection_year_end"), 4),
                     float(total_target)))
    out = apply_disclosure(frame(rows))
    shown = {r["kommunekode"] for r in out.filter(~pl.col("suppressed") & (
        pl.col("indicator") == "target_projection_year_end")).iter_rows(named=True)}
    for k, (starts, _, _) in zip(kommuner, municipalities, strict=True):
        if 1 <= starts <= 4:
            assert k not in shown
    hidden_municipal = [k for k in kommuner if k not in shown]
    if "000" in shown:
        assert len(hidden_municipal) != 1
    assert visible_small_counts(out, 5).is_empty()
    assert recomputable_cells(out).is_empty()
