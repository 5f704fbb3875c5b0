"""Provisional periods on screen: the mark beside a period ("(foreløbig)"), the national coverage
("42 af 45 kommuner") and the chart layer that marks provisional points with the legend
"foreløbig" (a ring around the point). The rule itself lives in the build (marts.period_coverage); the lookup is
`dashboard.queries.period_coverage`."""

from __future__ import annotations

import altair as alt
import pandas as pd

LABEL = "foreløbig"
RING_COLOUR = "#d97706"
LEGEND_TEXT = ("«Foreløbig»: ikke alle kommuner, der indberetter indsatsen, har indsendt perioden, og fristen er "
               "ikke overskredet; landstallet kan ændre sig. «x af y kommuner»: så mange af de indberettende "
               "kommuner dækker landstallet.")


def with_coverage(frame: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """`frame` (rows with indsats and period) with `provisional` (bool) and `coverage` (Danish text) from
    `queries.period_coverage`; periods it does not know are not provisional and have no coverage text."""
    keys = ["indsats", "period"]
    if frame.empty or coverage.empty:
        return frame.assign(provisional=False, coverage="")
    out = frame.drop(columns=[c for c in ("provisional", "coverage") if c in frame]).merge(
        coverage[[*keys, "provisional", "coverage"]], on=keys, how="left")
    out["provisional"] = out["provisional"].fillna(False).astype(bool)
    out["coverage"] = out["coverage"].fillna("")
    return out.set_axis(frame.index)


def period_text(period_label: str, provisional: bool) -> str:
    """'oktober 2026' or 'november 2026 (foreløbig)'."""
    return f"{period_label} ({LABEL})" if provisional else period_label


def marks(frame: pd.DataFrame, x: alt.X | str, y: str = "value:Q", tooltip: list | None = None,
          inherit_data: bool = False) -> alt.Chart | None:
    """A ring around every provisional point, with the legend "foreløbig"; layer it over the chart (its own
    shape channel, so the chart's colours and legends stay). None when nothing in `frame` is provisional.
    `frame` needs `provisional` and the chart's x and y fields; `inherit_data` leaves the data to the
    enclosing layer (a faceted chart)."""
    if "provisional" not in frame or not frame["provisional"].fillna(False).astype(bool).any():
        return None
    base = alt.Chart() if inherit_data else alt.Chart(frame)
    return base.transform_filter("datum.provisional").transform_calculate(
        periodestatus=f"'{LABEL}'",
    ).mark_point(filled=False, size=160, strokeWidth=2.5, color=RING_COLOUR, opacity=0.9).encode(
        x=x, y=y,
        shape=alt.Shape("periodestatus:N", scale=alt.Scale(domain=[LABEL], range=["circle"]),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=tooltip or [],
    )
