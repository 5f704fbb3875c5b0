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


HIDDEN_COLOUR = "#6b7280"
MARK_COLOUR = "#b91c1c"
MARKED_TITLE = "Må ikke offentliggøres"


def _flags(frame: pd.DataFrame) -> pd.DataFrame:
    """`hidden` (blanked for this viewer: no value to draw) and `marked` (a value the viewer sees that the
    public policy hides: analysts) as booleans, False where the columns are missing."""
    out = frame.copy()
    for column in ("hidden", "marked"):
        out[column] = out[column].fillna(False).astype(bool) if column in out else False
    out.loc[out["hidden"], "value"] = None
    return out


def _segments(frame: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each series at its hidden points: the visible rows with a `segment` number (a line per run of
    visible points), and `bridges`: two rows per gap (the visible points either side, `bridge` number)
    so the line can be carried over the hidden points in another style instead of silently joined."""
    visible_parts, bridge_parts = [], []
    for _, group in frame.sort_values([*by, "month_date"]).groupby(by, sort=False, dropna=False):
        drawn = group["value"].notna() | group["hidden"]  # a point, or a hidden one
        group = group[drawn]
        gap = group["hidden"].to_numpy()
        segment = (gap.cumsum())
        shown = group[~group["hidden"]].assign(segment=segment[~gap])
        visible_parts.append(shown)
        rows = group.reset_index(drop=True)
        for i in range(1, len(rows)):
            if rows["hidden"].iloc[i] and not rows["hidden"].iloc[i - 1]:
                after = rows.iloc[i:][~rows["hidden"].iloc[i:]]
                if not after.empty:
                    pair = pd.concat([rows.iloc[[i - 1]], after.iloc[[0]]])
                    bridge_parts.append(pair.assign(bridge=f"{rows[by].iloc[0].tolist()}-{i}"))
    visible = pd.concat(visible_parts, ignore_index=True) if visible_parts else frame.iloc[0:0].assign(segment=0)
    bridges = pd.concat(bridge_parts, ignore_index=True) if bridge_parts else frame.iloc[0:0].assign(bridge="")
    return visible, bridges


def hidden_axis_marks(hidden: pd.DataFrame, x: alt.X, label_field: str = "series") -> alt.LayerChart:
    """Hidden points as a grey triangle on the time axis (at 0, where every figure's axis starts) with
    "skjult" written upwards from the first of each run of hidden periods; the tooltip names the series and
    the period. The reader sees where a figure is hidden instead of a hole or a line silently joined."""
    first = hidden.sort_values("month_date")
    first = first[~first["month_date"].diff().le(pd.Timedelta(days=31))]
    tooltip = [alt.Tooltip(f"{label_field}:N", title="Serie"), alt.Tooltip("month_text:N", title="Periode"),
               alt.Tooltip("shown:N", title="Værdi")]
    marker = alt.Chart(hidden).mark_point(shape="triangle-up", filled=True, size=60, color=HIDDEN_COLOUR,
                                          opacity=0.9).encode(x=x, y=alt.datum(0), tooltip=tooltip)
    text = alt.Chart(first).mark_text(text="skjult", angle=270, align="left", baseline="middle", dx=8, fontSize=10,
                                      color=HIDDEN_COLOUR).encode(x=x, y=alt.datum(0), tooltip=tooltip)
    return marker + text


def marked_points(frame: pd.DataFrame, x: alt.X, y: alt.Y, tooltip: list) -> alt.Chart:
    """Values the public policy hides, as analysts see them: the true point, drawn as a red open diamond."""
    return alt.Chart(frame).mark_point(shape="diamond", filled=False, size=110, strokeWidth=2,
                                       color=MARK_COLOUR).encode(x=x, y=y, tooltip=tooltip)


def hidden_caption(frame: pd.DataFrame) -> str | None:
    """The words under a chart with marks (None when it has none)."""
    flags = _flags(frame) if not frame.empty else frame
    parts = []
    if not flags.empty and flags["hidden"].any():
        parts.append("▲ «skjult» på tidsaksen: tallet er skjult den periode, så et lille tal ikke kan regnes ud; "
                     "linjen føres videre med prikker")
    if not flags.empty and flags["marked"].any():
        parts.append("◇ rød ruder: tallet må ikke offentliggøres (se mærket i værktøjstippet)")
    return ". ".join(parts) + "." if parts else None


def trend_chart(frame: pd.DataFrame, kind: str, title: str | None = None, height: int = 220) -> alt.LayerChart:
    """Lines per series over months. `frame`: month_date, series (Danish name), value, shown (text for the
    tooltip), month_text; optional `hidden` (no value for this viewer: a "skjult" mark on the axis, the line
    carried over it dotted) and `marked` (the viewer's true value that the public policy hides: a red open
    diamond). The series' order is the order of first appearance (own municipality first)."""
    frame = _flags(frame)
    order = list(dict.fromkeys(frame["series"]))
    dashes = [[1, 0]] + [[5, 3]] * (len(order) - 1)
    colour = alt.Color("series:N", sort=order, scale=alt.Scale(domain=order, range=SERIES_COLOURS[: len(order)]),
                       legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=320))
    x = alt.X("month_date:T", axis=MONTH_AXIS)
    y = alt.Y("value:Q", axis=_y_axis(kind, title))
    tooltip = [alt.Tooltip("series:N", title="Serie"), alt.Tooltip("month_text:N", title="Måned"),
               alt.Tooltip("shown:N", title="Værdi")]
    visible, bridges = _segments(frame, ["series"])
    line = alt.Chart(visible).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=x, y=y, color=colour, detail="segment:N",
        strokeDash=alt.StrokeDash("series:N", sort=order, scale=alt.Scale(domain=order, range=dashes), legend=None),
        tooltip=tooltip,
    )
    layers = [line]
    if not bridges.empty:
        layers.insert(0, alt.Chart(bridges).mark_line(strokeDash=[1, 3], strokeWidth=1.5, opacity=0.8).encode(
            x=x, y=y, color=colour, detail="bridge:N"))  # the same colour encoding: one legend
    if visible["marked"].any():
        layers.append(marked_points(visible[visible["marked"]], x, y, tooltip))
    if frame["hidden"].any():
        layers.append(hidden_axis_marks(frame[frame["hidden"]], x))
    return alt.layer(*layers).properties(height=height)


def run_chart(frame: pd.DataFrame, median: float, kind: str, title: str | None = None, height: int = 200
              ) -> alt.LayerChart:
    """A run chart: the monthly values and their median (the centre line of Anhøj's rules).
    `frame`: month_date, value, shown, month_text, in_run (bool: part of a signalling run); optional
    `hidden`/`marked` as in `trend_chart`."""
    frame = _flags(frame)
    x = alt.X("month_date:T", axis=MONTH_AXIS)
    y = alt.Y("value:Q", axis=_y_axis(kind, title))
    tooltip = [alt.Tooltip("month_text:N", title="Måned"), alt.Tooltip("shown:N", title="Værdi")]
    visible, bridges = _segments(frame.assign(series=""), ["series"])
    line = alt.Chart(visible).mark_line(color="#1e3a8a").encode(x=x, y=y, detail="segment:N")
    points = alt.Chart(visible).mark_point(filled=True, size=40).encode(
        x=x, y="value:Q",
        color=alt.Color("in_run:N", scale=alt.Scale(domain=[False, True], range=["#1e3a8a", "#d97706"]), legend=None),
        tooltip=tooltip,
    )
    centre = alt.Chart(pd.DataFrame({"median": [median]})).mark_rule(strokeDash=[4, 3], color="#6b7280").encode(
        y="median:Q")
    layers = [line, points, centre]
    if not bridges.empty:
        layers.insert(0, alt.Chart(bridges).mark_line(strokeDash=[1, 3], color="#1e3a8a", opacity=0.8).encode(
            x=x, y=y, detail="bridge:N"))
    if visible["marked"].any():
        layers.append(marked_points(visible[visible["marked"]], x, y, tooltip))
    if frame["hidden"].any():
        layers.append(hidden_axis_marks(frame[frame["hidden"]].assign(series="Værdi"), x))
    return alt.layer(*layers).properties(height=height)


FUNNEL_COLOURS = ["#90caf9", "#1e88e5", "#2e7d32", "#c62828"]


def funnel_chart(frame: pd.DataFrame, facet: str | None = None) -> alt.Chart | alt.FacetChart:
    """Referred → started → completed / interrupted as bars with the value as shown written beside each
    (`vist`: "<5", "skjult" or "12 (skjult)"); a hidden step keeps its row with a zero-length bar and its
    mark, so a hidden step is never mistaken for a missing or empty one. `frame`: order, label, value, vist
    (and `facet`, e.g. the intervention)."""
    frame = frame.assign(bar=frame["value"].astype("float64").fillna(0.0))
    tooltip = [alt.Tooltip("label:N", title="Trin"), alt.Tooltip("vist:N", title="Antal")]
    if facet:
        tooltip.insert(0, alt.Tooltip(f"{facet}:N", title="Indsats"))
    base = alt.Chart(frame).encode(y=alt.Y("label:N", sort=alt.SortField("order"), title=None))
    bars = base.mark_bar().encode(
        x=alt.X("bar:Q", title="Forløb", axis=alt.Axis(labelExpr=AXIS_LABELS["count"]),
                scale=alt.Scale(domainMin=0, nice=True)),
        color=alt.Color("label:N", legend=None, sort=alt.SortField("order"), scale=alt.Scale(range=FUNNEL_COLOURS)),
        tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=3).encode(x="bar:Q", text="vist:N", tooltip=tooltip)
    layered = bars + text
    if facet:
        return layered.properties(height=110, width=260).facet(facet=alt.Facet(f"{facet}:N", title=None), columns=2)
    return layered
