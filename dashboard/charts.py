"""Altair charts for management information, with Danish axes (58 %, 1.234, 03-2026)."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Vega's number format is English; these expressions write Danish tick labels.
AXIS_LABELS = {
    "rate": "format(datum.value * 100, '.0f') + ' %'",
    "count": "replace(format(datum.value, ',.0f'), ',', '.')",
    "days": "replace(format(datum.value, ',.0f'), ',', '.')",
    "points": "replace(format(datum.value, '.1f'), '.', ',')",
}
MONTH_AXIS = alt.Axis(format="%m-%Y", labelAngle=-45, tickCount={"interval": "month", "step": 3}, title=None)
SERIES_COLOURS = ["#1e3a8a", "#6b7280", "#d97706", "#059669", "#9333ea"]


def _y_axis(kind: str, title: str | None) -> alt.Axis:
    return alt.Axis(labelExpr=AXIS_LABELS.get(kind, AXIS_LABELS["count"]), title=title)


def trend_chart(frame: pd.DataFrame, kind: str, title: str | None = None, height: int = 220) -> alt.Chart:
    """Lines per series over months. `frame`: month_date, series (Danish name), value, shown (text for the
    tooltip); the series' order is the order of first appearance (own municipality first)."""
    order = list(dict.fromkeys(frame["series"]))
    dashes = [[1, 0]] + [[5, 3]] * (len(order) - 1)
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("month_date:T", axis=MONTH_AXIS),
        y=alt.Y("value:Q", axis=_y_axis(kind, title)),
        color=alt.Color("series:N", sort=order, scale=alt.Scale(domain=order, range=SERIES_COLOURS[: len(order)]),
                        legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=320)),
        strokeDash=alt.StrokeDash("series:N", sort=order, scale=alt.Scale(domain=order, range=dashes), legend=None),
        tooltip=[alt.Tooltip("series:N", title="Serie"), alt.Tooltip("month_text:N", title="Måned"),
                 alt.Tooltip("shown:N", title="Værdi")],
    ).properties(height=height)


def run_chart(frame: pd.DataFrame, median: float, kind: str, title: str | None = None, height: int = 200) -> alt.Chart:
    """A run chart: the monthly values and their median (the centre line of Anhøj's rules).
    `frame`: month_date, value, shown, month_text, in_run (bool: part of a signalling run)."""
    base = alt.Chart(frame).encode(x=alt.X("month_date:T", axis=MONTH_AXIS))
    line = base.mark_line(color="#1e3a8a").encode(y=alt.Y("value:Q", axis=_y_axis(kind, title)))
    points = base.mark_point(filled=True, size=40).encode(
        y="value:Q",
        color=alt.Color("in_run:N", scale=alt.Scale(domain=[False, True], range=["#1e3a8a", "#d97706"]), legend=None),
        tooltip=[alt.Tooltip("month_text:N", title="Måned"), alt.Tooltip("shown:N", title="Værdi")],
    )
    centre = alt.Chart(pd.DataFrame({"median": [median]})).mark_rule(strokeDash=[4, 3], color="#6b7280").encode(
        y="median:Q")
    return (line + points + centre).properties(height=height)
