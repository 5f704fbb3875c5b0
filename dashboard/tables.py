"""Downloads of dashboard tables as CSV/XLSX through the platform's safe writers (formula injection neutralised)."""

from __future__ import annotations

import pandas as pd

from udbredelse.export import safe_csv


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as text names, and object columns of mixed types as text (polars needs one type per column)."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else
                                          (v if isinstance(v, str) else str(v)))
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return safe_csv.csv_bytes(_plain(frame))


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    return safe_csv.xlsx_bytes({sheet: _plain(frame)})
