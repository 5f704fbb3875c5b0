"""Anhøj's run-chart rules: is a series stable over time, or has it shifted?

The two rules Danish healthcare quality work uses (Anhøj & Olesen 2014, "Run charts revisited",
PLoS ONE 9(11): e113825; implemented in the R package qicharts2):

- **unusually long run**: the longest run of consecutive points on the same side of the median is
  longer than ``round(log2(n)) + 3``;
- **too few crossings**: the series crosses its median fewer than ``qbinom(0.05, n - 1, 0.5)`` times
  (the 5 % lower quantile of the binomial distribution).

``n`` counts the *useful* observations: points exactly on the median (and missing points) are
ignored, as in qicharts2. Pure functions, no Streamlit, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

MIN_USEFUL_POINTS = 10  # fewer points than this and the rules say little (qicharts2 shows no signal below 10)


def longest_run_limit(n_useful: int) -> int:
    """The longest run that is still expected by chance: round(log2(n)) + 3 (R rounds half to even, as Python)."""
    return round(math.log2(n_useful)) + 3


def crossings_limit(n_useful: int) -> int:
    """The fewest crossings still expected by chance: qbinom(0.05, n - 1, 0.5).

    The smallest k with P(X <= k) >= 0.05 for X ~ Binomial(n - 1, 1/2), computed exactly with integers.
    """
    trials = n_useful - 1
    if trials <= 0:
        return 0
    total = 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if cumulative * 100 >= total * 5:  # P(X <= k) >= 0.05, without floating point
            return k
    return trials


@dataclass(frozen=True)
class RunChart:
    """The result of Anhøj's rules on one series (positions are indices into the series as given)."""

    n: int  # observations with a value
    n_useful: int  # not on the median
    median: float | None
    longest_run: int
    longest_run_side: int  # +1 above, -1 below the median, 0 when there is no run
    longest_run_start: int | None
    longest_run_end: int | None  # inclusive
    longest_run_max: int | None
    crossings: int
    crossings_min: int | None
    last_useful: int | None = None  # index of the last point off the median

    @property
    def enough_data(self) -> bool:
        return self.n_useful >= MIN_USEFUL_POINTS

    @property
    def long_run(self) -> bool:
        return self.enough_data and self.longest_run_max is not None and self.longest_run > self.longest_run_max

    @property
    def few_crossings(self) -> bool:
        return self.enough_data and self.crossings_min is not None and self.crossings < self.crossings_min

    @property
    def signal(self) -> bool:
        """Non-random variation: a shift or a trend worth a look."""
        return self.long_run or self.few_crossings


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def anhoej(values: Sequence[float | None], centre: float | None = None) -> RunChart:
    """Apply Anhøj's rules to a series in time order. Missing values are skipped; ``centre`` defaults
    to the median of the present values (give a baseline median to judge new points against it)."""
    present = [(i, float(v)) for i, v in enumerate(values) if not _is_missing(v)]
    if not present:
        return RunChart(0, 0, None, 0, 0, None, None, None, 0, None)
    cl = median(v for _, v in present) if centre is None else float(centre)
    useful = [(i, 1 if v > cl else -1) for i, v in present if v != cl]
    n_useful = len(useful)
    best_len, best_side, best_start, best_end = 0, 0, None, None
    crossings = 0
    run_len, run_start = 0, None
    previous_side = 0
    for position, (index, side) in enumerate(useful):
        if side == previous_side:
            run_len += 1
        else:
            if position > 0:
                crossings += 1
            run_len, run_start = 1, index
        previous_side = side
        if run_len > best_len:  # the first of equally long runs is kept
            best_len, best_side, best_start, best_end = run_len, side, run_start, index
    return RunChart(
        n=len(present), n_useful=n_useful, median=cl, longest_run=best_len, longest_run_side=best_side,
        longest_run_start=best_start, longest_run_end=best_end,
        longest_run_max=longest_run_limit(n_useful) if n_useful else None,
        crossings=crossings, crossings_min=crossings_limit(n_useful) if n_useful else None,
        last_useful=useful[-1][0] if useful else None,
    )


def _months(count: int) -> str:
    return "måned" if count == 1 else "måneder"


def signal_sentences(subject: str, chart: RunChart, labels: Sequence[str] | None = None) -> list[str]:
    """The signal said in Danish words, one sentence per rule that fires.

    ``subject`` is the figure in definite form ("Gennemførelsesraten"); ``labels`` are the points'
    period labels (e.g. "03-2025"), used to say when a run that is over happened.
    """
    sentences: list[str] = []
    if chart.long_run and chart.longest_run_end is not None:
        side = "over" if chart.longest_run_side > 0 else "under"
        ongoing = chart.longest_run_end == chart.last_useful
        if ongoing:
            sentences.append(f"{subject} har ligget {side} medianen {chart.longest_run} {_months(chart.longest_run)} "
                             "i træk.")
        else:
            when = ""
            if labels is not None and chart.longest_run_start is not None:
                when = f" ({labels[chart.longest_run_start]} til {labels[chart.longest_run_end]})"
            sentences.append(f"{subject} lå {side} medianen {chart.longest_run} {_months(chart.longest_run)} "
                             f"i træk{when}.")
    if chart.few_crossings:
        times = "gang" if chart.crossings == 1 else "gange"
        sentences.append(f"{subject} har kun krydset medianen {chart.crossings} {times} på {chart.n_useful} "
                         f"måneder; ved tilfældig variation ville man forvente mindst {chart.crossings_min}.")
    return sentences


def summary_sentence(subject: str, chart: RunChart, labels: Sequence[str] | None = None) -> str:
    """One Danish sentence for the chart: the signal(s), or that the variation looks random."""
    if not chart.enough_data:
        return (f"For få målinger ({chart.n_useful}) til at vurdere, om {subject.lower()} er stabil; "
                f"der skal mindst {MIN_USEFUL_POINTS} til.")
    sentences = signal_sentences(subject, chart, labels)
    if sentences:
        return " ".join(sentences)
    return (f"{subject} varierer tilfældigt omkring medianen: ingen usædvanligt lange serier "
            f"(længste {chart.longest_run}, grænse {chart.longest_run_max}) og nok krydsninger "
            f"({chart.crossings}, mindst {chart.crossings_min}).")
