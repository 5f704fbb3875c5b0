"""Anhøj's run-chart rules (dashboard/runchart.py) against the published limits and hand-counted series."""

import math

import pytest
from scipy.stats import binom

from dashboard import runchart


@pytest.mark.parametrize("n", range(2, 101))
def test_crossings_limit_is_qbinom(n: int) -> None:
    # qbinom(0.05, n - 1, 0.5) in R is scipy's binom.ppf(0.05, n - 1, 0.5)
    assert runchart.crossings_limit(n) == int(binom.ppf(0.05, n - 1, 0.5))


@pytest.mark.parametrize("n", range(2, 101))
def test_longest_run_limit_is_round_log2_plus_3(n: int) -> None:
    assert runchart.longest_run_limit(n) == round(math.log2(n) + 3)


@pytest.mark.parametrize(("n", "run_max", "crossings_min"), [
    # worked by hand from the binomial sums (e.g. n=14: P(X<=3 | 13, 1/2) = 378/8192 < 0.05 <= P(X<=4));
    # n=24 is the example in qicharts2's reference for summary.qic: longest.run.max 8, n.crossings.min 8
    (10, 6, 2), (12, 7, 3), (14, 7, 4), (16, 7, 4), (18, 7, 5), (24, 8, 8),
])
def test_published_critical_values(n: int, run_max: int, crossings_min: int) -> None:
    assert (runchart.longest_run_limit(n), runchart.crossings_limit(n)) == (run_max, crossings_min)


def test_random_looking_series_has_no_signal() -> None:
    # alternating around the median: 24 useful points, 23 crossings, longest run 1
    series = [0.5 + (0.1 if i % 2 else -0.1) for i in range(24)]
    chart = runchart.anhoej(series)
    assert chart.median == pytest.approx(0.5)
    assert (chart.n_useful, chart.longest_run, chart.crossings) == (24, 1, 23)
    assert not chart.signal


def test_shift_gives_a_long_run_below_the_median_said_in_words() -> None:
    # 21 months of random-looking variation (isolated low months), then 9 months low: a shift
    series = [0.8, 0.8, 0.5] * 6 + [0.8] * 3 + [0.5] * 9
    labels = [f"{m:02d}-{2024 + (i // 12)}" for i, m in enumerate([*range(1, 13)] * 3)][:30]
    chart = runchart.anhoej(series)
    assert chart.median == pytest.approx(0.65)
    assert (chart.n_useful, chart.crossings, chart.crossings_min) == (30, 13, 10)
    assert (chart.longest_run, chart.longest_run_side, chart.longest_run_end) == (9, -1, 29)
    assert chart.longest_run_max == 8
    assert chart.long_run and not chart.few_crossings and chart.signal
    assert runchart.signal_sentences("Gennemførelsesraten", chart, labels) == [
        "Gennemførelsesraten har ligget under medianen 9 måneder i træk.",
    ]


def test_finished_run_is_dated() -> None:
    series = [0.5] * 9 + [0.8, 0.8, 0.5] * 6 + [0.8] * 3
    labels = [f"m{i}" for i in range(len(series))]
    chart = runchart.anhoej(series)
    assert chart.long_run and not chart.few_crossings
    assert (chart.longest_run_start, chart.longest_run_end) == (0, 8)
    assert runchart.summary_sentence("Ventetiden", chart, labels) == (
        "Ventetiden lå under medianen 9 måneder i træk (m0 til m8).")


def test_too_few_crossings() -> None:
    # a slow wave: 20 points, runs of 5 → 3 crossings, fewer than qbinom(0.05, 19, 0.5) = 6; no run over 7
    series = ([1.0] * 5 + [3.0] * 5) * 2
    chart = runchart.anhoej(series)
    assert chart.median == pytest.approx(2.0)
    assert (chart.n_useful, chart.longest_run, chart.crossings, chart.crossings_min) == (20, 5, 3, 6)
    assert not chart.long_run and chart.few_crossings
    assert runchart.signal_sentences("Fidelitetsindekset", chart) == [
        "Fidelitetsindekset har kun krydset medianen 3 gange på 20 måneder; ved tilfældig variation ville man "
        "forvente mindst 6.",
    ]


def test_missing_points_and_points_on_the_median_are_skipped() -> None:
    series = [1.0, None, float("nan"), 3.0, 2.0, 1.0, 3.0]
    chart = runchart.anhoej(series)
    assert chart.n == 5
    assert chart.median == pytest.approx(2.0)
    assert chart.n_useful == 4  # 2.0 is on the median
    assert chart.crossings == 3


def test_too_few_points_never_signal() -> None:
    chart = runchart.anhoej([0.1] * 4 + [0.9] * 4)
    assert chart.n_useful == 8 and not chart.enough_data and not chart.signal
    assert runchart.summary_sentence("Gennemførelsesraten", chart).startswith("For få målinger (8)")


def test_empty_series() -> None:
    chart = runchart.anhoej([])
    assert chart.n == 0 and chart.median is None and not chart.signal


def test_given_baseline_median() -> None:
    chart = runchart.anhoej([0.5] * 12, centre=0.8)
    assert chart.median == 0.8 and chart.longest_run == 12 and chart.long_run
