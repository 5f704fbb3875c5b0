"""Time series for management information (pure pandas, no Streamlit, no database).

- the last N months of a monthly indicator series;
- rolling 12-month rates (sum of numerators / sum of denominators over the window), so that a
  month with two finished courses does not swing the line from 0 % to 100 %;
- the median of comparable municipalities per month (same region, same size group), from rows the
  viewer may see anyway (suppressed rows are left out, never estimated);
- "few courses": a rate resting on fewer courses than the catalog's minimum is marked, not judged.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pandas as pd

TREND_MONTHS = 24
ROLLING_MONTHS = 12
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def month_index(periods: pd.Series) -> pd.Series:
    """'2026-03' → Timestamp 2026-03-01 (anything else → NaT)."""
    return pd.to_datetime(periods.astype(str) + "-01", format="%Y-%m-%d", errors="coerce")


@functools.lru_cache(maxsize=8192)
def _month_serial(period: object) -> float:
    """'2026-03' → 2026 * 12 + 2 (months since year 0); anything that is not a month → NaN."""
    match = _MONTH.fullmatch(period) if isinstance(period, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        return math.nan
    return int(match[1]) * 12 + int(match[2]) - 1


def last_months(frame: pd.DataFrame, months: int = TREND_MONTHS, period_column: str = "period") -> pd.DataFrame:
    """The rows of the last `months` calendar months present in the frame (by its latest month)."""
    if frame.empty:
        return frame
    serial = np.array([_month_serial(p) for p in frame[period_column].tolist()], dtype=float)
    if np.isnan(serial).all():
        return frame.iloc[0:0]
    latest = np.nanmax(serial)
    return frame[(serial >= latest - (months - 1)) & (serial <= latest)]


def complete_months(frame: pd.DataFrame, keys: list[str], period_column: str = "period") -> pd.DataFrame:
    """Insert the calendar months missing between each series' first and last month (empty values), so
    that a rolling window counts months, not rows. (One merge for all series: no loop per series.)"""
    if frame.empty:
        return frame
    dates = month_index(frame[period_column])
    serial = (dates.dt.year * 12 + dates.dt.month - 1).rename("_month")
    bounds = pd.concat([frame[keys], serial], axis=1).dropna(subset=["_month"]) \
        .groupby(keys, dropna=False, sort=False)["_month"].agg(["min", "max"])
    lengths = (bounds["max"] - bounds["min"] + 1).astype(int).to_numpy()
    full = bounds.index.to_frame(index=False).loc[lambda f: f.index.repeat(lengths)].reset_index(drop=True)
    month = np.repeat(bounds["min"].astype(int).to_numpy(), lengths) + \
        (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    full[period_column] = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in month]
    return full.merge(frame, on=[*keys, period_column], how="left")


def rolling_rate(frame: pd.DataFrame, window: int = ROLLING_MONTHS, keys: list[str] | None = None,
                 min_months: int | None = None) -> pd.DataFrame:
    """Add `rolling_numerator`, `rolling_denominator` and `rolling_value` over the last `window` months.

    The frame has one row per month (period 'YYYY-MM') with `numerator` and `denominator`; rows whose
    numerator or denominator is hidden (NaN) make the window unknown rather than silently smaller.
    A window is only given once it holds `min_months` months (default: full, `window` months).
    """
    min_months = window if min_months is None else min_months
    keys = keys or [c for c in ("kommunekode", "indsats", "indicator") if c in frame.columns]
    if frame.empty:
        return frame.assign(rolling_numerator=pd.Series(dtype=float), rolling_denominator=pd.Series(dtype=float),
                            rolling_value=pd.Series(dtype=float))
    full = complete_months(frame.assign(_reported=True), keys) if keys else frame.assign(_reported=True)
    full = full.sort_values([*keys, "period"]).reset_index(drop=True)
    # a month without a row had no courses: 0/0; a row with a hidden figure is unknown (NaN)
    inserted = full["_reported"].isna()
    sums = pd.DataFrame({"rolling_numerator": full["numerator"].astype("float64").where(~inserted, 0.0),
                         "rolling_denominator": full["denominator"].astype("float64").where(~inserted, 0.0)})
    if keys and len(full[keys].drop_duplicates()) > 1:
        groups = [full[k].astype(object).fillna("\0") for k in keys]  # a missing key is a key of its own
        rolled = sums.groupby(groups, sort=False).rolling(window, min_periods=min_months).sum()
        rolled = rolled.reset_index(level=list(range(len(keys))), drop=True).sort_index()
    else:
        rolled = sums.rolling(window, min_periods=min_months).sum()
    full["rolling_numerator"] = rolled["rolling_numerator"]
    full["rolling_denominator"] = rolled["rolling_denominator"]
    ratio = full["rolling_numerator"] / full["rolling_denominator"]
    full["rolling_value"] = ratio.where(full["rolling_denominator"] > 0)
    return full.drop(columns=["_reported"])


def comparable_median(frame: pd.DataFrame, members: list[str], exclude: str | None = None,
                      value_column: str = "value", min_members: int = 3) -> pd.DataFrame:
    """Per period, the median of the members' values (own municipality excluded, hidden values left
    out); a period with fewer than `min_members` values gets no median. Columns: period, value, members."""
    rows = frame[frame["kommunekode"].isin([m for m in members if m != exclude])]
    if "is_hidden" in rows:
        rows = rows[~rows["is_hidden"].astype(bool)]
    rows = rows[rows[value_column].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["period", "value", "members"])
    grouped = rows.groupby("period")[value_column].agg(["median", "count"]).reset_index()
    grouped = grouped[grouped["count"] >= min_members]
    return grouped.rename(columns={"median": "value", "count": "members"}).reset_index(drop=True)


def few_courses(denominator: float | None, minimum: float) -> bool:
    """True when a rate rests on fewer courses than the catalog's minimum (or on an unknown number)."""
    return denominator is None or pd.isna(denominator) or float(denominator) < minimum


def rolling_any(frame: pd.DataFrame, flags: list[str], window: int = ROLLING_MONTHS,
                keys: list[str] | None = None) -> pd.DataFrame:
    """Per series and month, whether any month of the rolling window has each boolean column of `flags`
    set (a hidden month makes the rolling rate hidden too; a marked month marks it). One row per month
    of `complete_months`: keys, period and the flags."""
    keys = keys or [c for c in ("kommunekode", "indsats", "indicator") if c in frame.columns]
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "period", *flags])
    full = complete_months(frame[[*keys, "period", *flags]], keys) if keys else frame[["period", *flags]]
    full = full.sort_values([*keys, "period"]).reset_index(drop=True)
    for flag in flags:
        as_number = full[flag].astype("boolean").fillna(False).astype(float)
        rolled = as_number.groupby([full[k] for k in keys]).transform(
            lambda s: s.rolling(window, min_periods=1).max()) if keys else as_number.rolling(window, min_periods=1).max()
        full[flag] = rolled.fillna(0).astype(bool)
    return full
