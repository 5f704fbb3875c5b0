"""Downloads of dashboard tables for Danish Excel, through the platform's safe writers.

CSV in the dialect Danish Excel opens with a double click: `;` between fields, decimal comma,
UTF-8 with a byte-order mark (else Excel reads æøå as Latin-1), CRLF line ends; numbers are
written as numbers (no thousands separator, no "%"), so Excel can calculate with them; dates
dd-mm-åååå. XLSX: numeric cells, a Danish sheet name. Formula injection is neutralised by
`udbredelse.export.safe_csv` (the one home of that rule) in both.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal
from typing import Any

import pandas as pd

from udbredelse.export import safe_csv

CSV_DELIMITER = ";"
BOM = "\ufeff"
DEFAULT_SHEET = "Tabel"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as text names, and object columns of mixed types as text (polars needs one type per column)."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else
                                          (v if isinstance(v, str) else str(v)))
    return out


def danish_number(value: float | int | Decimal) -> str:
    """A number as Danish Excel reads it: decimal comma, no thousands separator ("1234,5", "-3", "0,25")."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        text = f"{value:.10f}".rstrip("0").rstrip(".")  # no exponent notation, which Excel would read as text
        return text.replace(".", ",")
    return str(value)


def _csv_cell(value: Any) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float, Decimal)):
        return danish_number(value)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%d-%m-%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d-%m-%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return safe_csv.neutralise(str(value))


def _python(value: Any) -> Any:
    """numpy scalars → Python scalars; pandas missing → None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV for Danish Excel (see the module docstring)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    writer.writerow([safe_csv.neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(_python(v)) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = DEFAULT_SHEET) -> bytes:
    """The table as XLSX: numbers in numeric cells, on a sheet with a Danish name."""
    return safe_csv.xlsx_bytes({sheet: _plain(frame)})
