"""The dashboard's answer cache (dashboard/store.py): copies, a new publish, viewers kept apart, chart specs."""

from __future__ import annotations

import io
import math

import pandas as pd
import pyarrow as pa
import pytest
from dashboard_fixture import OWN

from dashboard import charts, queries, store, trends
from dashboard.viewer import NATIONAL, Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings

KOMMUNE = Viewer(role="kommune", kommunekode=OWN)
ANALYST = Viewer(role="analyst")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    store.clear_caches()


def test_a_cached_answer_is_a_copy_the_caller_may_change(published: Settings) -> None:
    first = queries.indicators(KOMMUNE, "MOVE", "month")
    first["value"] = -1.0
    first.drop(first.index, inplace=True)
    again = queries.indicators(KOMMUNE, "MOVE", "month")
    assert not again.empty and (again["value"].dropna() != -1.0).all()
    labels = queries.catalog_labels(KOMMUNE)
    labels["indicator"]["starts"] = "ændret"
    assert queries.catalog_labels(KOMMUNE)["indicator"]["starts"] != "ændret"


def test_a_new_publish_is_read_without_clearing_the_cache(published: Settings) -> None:
    def active_end() -> list[float]:
        frame = queries.indicators(KOMMUNE, "MOVE", "month", OWN, codes=["active_end"])
        return frame["value"].tolist()

    before = active_end()
    assert before
    con = warehouse.connect(published)
    try:
        con.execute("update marts.indicators set value = value + 1000 where kommunekode = ? "
                    "and indicator = 'active_end'", [OWN])
    finally:
        con.close()
    assert active_end() == before  # same published file: the cached answer
    warehouse.publish(published)
    assert active_end() == [v + 1000 for v in before]


def test_the_cache_never_hands_one_viewers_answer_to_another(published: Settings) -> None:
    everyone = queries.indicators(ANALYST, "MOVE", "month")  # cached first, for the analyst
    assert len(set(everyone["kommunekode"])) > 2
    own = queries.indicators(KOMMUNE, "MOVE", "month")
    assert set(own["kommunekode"]) == {OWN, NATIONAL}
    other = Viewer(role="kommune", kommunekode=sorted(set(everyone["kommunekode"]) - {OWN, NATIONAL})[0])
    assert set(queries.indicators(other, "MOVE", "month")["kommunekode"]) == {other.kommunekode, NATIONAL}


def _series(values: list[float], name: str = "Egen kommune") -> pd.DataFrame:
    periods = pd.date_range("2025-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"period": periods.strftime("%Y-%m"), "value": values, "series": name,
                         "month_date": periods, "month_text": periods.strftime("%m-%Y"),
                         "shown": [f"{v * 100:.0f} %" for v in values]})


def _records(dataset: object) -> list[dict]:
    if isinstance(dataset, bytes):
        return pa.ipc.open_stream(io.BytesIO(dataset)).read_all().to_pandas().to_dict("records")
    return list(dataset)  # type: ignore[call-overload]


def test_a_cached_chart_spec_is_the_charts_own_spec(published: Settings) -> None:
    frame = _series([0.5, 0.6, 0.55, 0.7])
    cached = store.chart_spec(charts.trend_chart, frame, "rate")
    direct = charts.trend_chart(frame, "rate").to_dict(validate=True)
    assert {k: v for k, v in cached.items() if k != "datasets"} == {k: v for k, v in direct.items() if k != "datasets"}
    assert cached["datasets"].keys() == direct["datasets"].keys()
    for name, dataset in cached["datasets"].items():
        got = pd.DataFrame(_records(dataset))
        assert got["value"].tolist() == pytest.approx([r["value"] for r in direct["datasets"][name]])
        assert got["shown"].tolist() == [r["shown"] for r in direct["datasets"][name]]
    # the same data again is the cached spec; other data (or another kind of figure) is another chart
    assert store.chart_spec(charts.trend_chart, frame.copy(), "rate") == cached
    other = store.chart_spec(charts.trend_chart, _series([0.5, 0.6, 0.55, 0.9]), "rate")
    assert _records(next(iter(other["datasets"].values())))[-1]["value"] == pytest.approx(0.9)
    assert store.chart_spec(charts.trend_chart, frame, "count") != cached


def test_derived_is_keyed_on_the_data_and_the_function(published: Settings) -> None:
    calls: list[int] = []

    def total(frame: pd.DataFrame, factor: float = 1.0) -> float:
        calls.append(1)
        return float(frame["value"].sum() * factor)

    def double(frame: pd.DataFrame) -> float:
        return float(frame["value"].sum() * 2)

    frame = _series([0.1, 0.2])
    assert store.derived(total, frame) == pytest.approx(0.3)
    assert store.derived(total, frame.copy()) == pytest.approx(0.3) and len(calls) == 1
    assert store.derived(total, frame, factor=10.0) == pytest.approx(3.0) and len(calls) == 2
    assert store.derived(total, _series([0.1, 0.3])) == pytest.approx(0.4) and len(calls) == 3
    assert store.derived(double, frame) == pytest.approx(0.6)  # another function, same data


def test_rolling_rate_of_many_series_equals_each_series_alone() -> None:
    """The vectorised rolling rate (all municipalities at once) gives each series what it gives alone:
    missing months count as months with no courses, hidden months stay unknown."""
    rows = []
    periods = pd.date_range("2024-01-01", periods=20, freq="MS").strftime("%Y-%m")
    for kommune, skip, hidden in (("101", {3, 4}, set()), ("147", set(), {7}), ("151", {0, 19}, {10, 11})):
        for i, period in enumerate(periods):
            if i in skip:
                continue
            num, den = (math.nan, math.nan) if i in hidden else (float(i % 3), 3.0)
            rows.append({"kommunekode": kommune, "indsats": "MOVE", "indicator": "completion_rate", "period": period,
                         "numerator": num, "denominator": den})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=3)  # order must not matter
    for min_months in (3, None):
        together = trends.rolling_rate(frame, min_months=min_months)
        for kommune, alone_input in frame.groupby("kommunekode"):
            alone = trends.rolling_rate(alone_input, min_months=min_months).reset_index(drop=True)
            part = together[together["kommunekode"] == kommune].reset_index(drop=True)
            pd.testing.assert_frame_equal(part[alone.columns], alone, check_dtype=False)
    series_151 = trends.rolling_rate(frame[frame["kommunekode"] == "151"], min_months=3)
    assert series_151["period"].iloc[0] == "2024-02" and len(series_151) == 18  # first to last reported month
