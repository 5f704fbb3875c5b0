"""Honest marks in charts (issue 21): hidden points are marked on the axis and bridged, never a silent join;
analysts' marked points drawn apart; rolling rates hidden or marked with their window; funnels keep hidden
steps. The charts are checked as Vega-Lite specs (validated against the schema in the dashboard tests)."""

from __future__ import annotations

import json

import pandas as pd

from dashboard import charts, trends


def _series(hidden_months: set[int], marked_months: frozenset[int] = frozenset()) -> pd.DataFrame:
    rows = []
    for month in range(1, 9):
        hidden = month in hidden_months
        rows.append({"month_date": pd.Timestamp(2026, month, 1), "series": "Hele landet",
                     "value": None if hidden else 10.0 + month, "hidden": hidden,
                     "marked": month in marked_months, "month_text": f"måned {month}",
                     "shown": "skjult" if hidden else str(10 + month)})
    return pd.DataFrame(rows)


def _layers(chart) -> list[dict]:  # noqa: ANN001 - an Altair chart
    spec = chart.to_dict(validate=True)
    out, stack = [], [spec]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.get("layer", []))
    return out


def _data(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_a_hidden_month_is_marked_on_the_axis_and_bridged() -> None:
    chart = charts.trend_chart(_series({3, 4}), "count")
    spec = chart.to_dict(validate=True)
    layers = _layers(chart)
    texts = [layer for layer in layers if isinstance(layer.get("mark"), dict) and layer["mark"].get("text") == "skjult"]
    assert len(texts) == 1  # "skjult" once, at the first month of the run
    (label,) = _data(spec, texts[0])
    assert label["month_date"].startswith("2026-03-01")
    triangles = [layer for layer in layers if isinstance(layer.get("mark"), dict)
                 and layer["mark"].get("shape") == "triangle-up"]
    assert len(triangles) == 1 and len(_data(spec, triangles[0])) == 2  # one mark per hidden month
    bridges = [layer for layer in layers if isinstance(layer.get("mark"), dict)
               and layer["mark"].get("strokeDash") == [1, 3]]
    assert len(bridges) == 1
    bridge = sorted(row["month_date"][:10] for row in _data(spec, bridges[0]))
    assert bridge == ["2026-02-01", "2026-05-01"]  # from the last point before to the first after
    lines = [layer for layer in layers if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "line"
             and "strokeDash" not in layer["mark"]]
    segments = {row["segment"] for row in _data(spec, lines[0])}
    assert len(segments) == 2  # the solid line stops at the hidden months instead of joining over them
    assert "skjult" in (charts.hidden_caption(_series({3})) or "")


def test_an_analysts_marked_point_is_drawn_apart_with_its_mark() -> None:
    frame = _series(set(), frozenset({2}))
    frame.loc[1, "shown"] = "12 (skjult)"
    chart = charts.trend_chart(frame, "count")
    spec = chart.to_dict(validate=True)
    diamonds = [layer for layer in _layers(chart) if isinstance(layer.get("mark"), dict)
                and layer["mark"].get("shape") == "diamond"]
    assert len(diamonds) == 1
    (point,) = _data(spec, diamonds[0])
    assert point["value"] == 12.0 and point["shown"] == "12 (skjult)"  # the true value, with its mark
    assert "Værdi" in json.dumps(diamonds[0]["encoding"]["tooltip"], ensure_ascii=False)
    assert "rød ruder" in charts.hidden_caption(frame)
    assert charts.hidden_caption(_series(set())) is None


def test_run_chart_marks_and_bridges_like_the_trend() -> None:
    frame = _series({5}).assign(in_run=False)
    spec = charts.run_chart(frame, 12.0, "count").to_dict(validate=True)
    assert "skjult" in json.dumps(spec, ensure_ascii=False)


def test_rolling_window_is_hidden_while_a_hidden_month_is_in_it() -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]
    frame = pd.DataFrame({"kommunekode": "000", "indsats": "MOVE", "indicator": "completion_rate", "period": months,
                          "hidden": [m == "2025-03" for m in months], "marked": [m == "2025-06" for m in months]})
    flags = trends.rolling_any(frame, ["hidden", "marked"]).set_index("period")
    assert not flags.loc["2025-02", "hidden"] and flags.loc["2025-03", "hidden"]
    assert flags.loc["2026-02", "hidden"] and not flags.loc["2026-03", "hidden"]  # 12 months after it, gone
    assert not flags.loc["2025-05", "marked"] and flags.loc["2026-03", "marked"]


def test_funnel_keeps_a_hidden_step_with_its_mark() -> None:
    frame = pd.DataFrame({"order": [0, 1, 2, 3], "label": ["Henvist", "Startet", "Gennemført", "Afbrudt"],
                          "value": [40.0, 30.0, None, None], "vist": ["40", "30", "skjult", "<5"]})
    spec = charts.funnel_chart(frame).to_dict(validate=True)
    rows = next(iter(spec["datasets"].values()))
    assert [r["bar"] for r in rows] == [40.0, 30.0, 0.0, 0.0]  # a row for every step, hidden ones at zero
    assert [r["vist"] for r in rows][2:] == ["skjult", "<5"]  # written beside the bar
