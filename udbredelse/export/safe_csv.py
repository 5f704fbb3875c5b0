"""Safe CSV and XLSX writing for every export and the dashboard: no formula injection, RFC 4180 quoting.

Policy (decided here, used everywhere):

* **Text cells are neutralised.** A text cell whose first character (or first character after
  leading spaces) is `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width forms of
  `= + - @`) gets a leading apostrophe `'`, so a spreadsheet shows it as text instead of running it
  as a formula (OWASP "CSV injection").
* **Numbers stay numbers.** Cells of numeric columns (int, float, decimal) are written as numbers;
  a negative number such as `-3` or `-0.25` cannot be a formula. A text cell that is exactly a
  plain number (`-3`, `-0.25`, `-1,5`) is also left as it is: it holds no formula either, and
  prefixing it would turn a genuine negative number into text. Anything else starting with `-`
  (e.g. `-1+1`, `-cmd`) is neutralised.
* Booleans are written `true`/`false`, dates ISO 8601, missing values as an empty field.
* CSV: the `csv` module, `QUOTE_MINIMAL`, comma delimiter, `\\r\\n` line ends, UTF-8 (RFC 4180).
  Fields containing the delimiter, a quote or a line break are quoted, quotes doubled.
* CSV for Danish Excel (`excel_csv_bytes`, the indicator export): the same, but `;` between fields,
  decimal comma (no thousands separator), UTF-8 with a byte-order mark (else Excel reads æøå as
  Latin-1), and optional lines before the header that say what the file is (one field each).
* XLSX (xlsxwriter): text through `write_string` only (never `write_formula`; the workbook's
  automatic string→formula/URL/number conversions are switched off), neutralised like CSV so the
  cell stays harmless if someone copies it or saves the sheet as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(text: Any) -> Any:
    """Prefix a formula-looking text cell with `'`; leave plain numbers, other text and non-text values unchanged."""
    if not isinstance(text, str) or not text:
        return text
    stripped = text.lstrip(" ")
    first = text[0]
    if first in FORMULA_PREFIXES or (stripped and stripped[0] in FORMULA_PREFIXES):
        if _PLAIN_NUMBER.match(text.strip()):
            return text
        return "'" + text
    return text


def _to_polars(df: Any) -> pl.DataFrame:
    if isinstance(df, pl.DataFrame):
        return df
    if isinstance(df, pl.LazyFrame):
        return df.collect()
    return pl.from_pandas(df)  # pandas DataFrame (the dashboard may hand one over)


def _format_number(value: Any) -> str:
    """Shortest exact text of a number; whole floats without `.0` (counts are whole numbers)."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return ""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def csv_cell(value: Any, numeric: bool) -> str:
    """One value as CSV text under the policy above."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if numeric or isinstance(value, (int, float, Decimal)):
        return _format_number(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return neutralise(str(value))


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def csv_bytes(df: Any) -> bytes:
    """The frame as RFC 4180 CSV bytes (UTF-8, header row, `\\r\\n`), neutralised."""
    import io

    frame = _to_polars(df)
    numeric = [_is_numeric(dtype) for dtype in frame.dtypes]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([csv_cell(value, is_num) for value, is_num in zip(row, numeric, strict=True)])
    return buffer.getvalue().encode("utf-8")


EXCEL_DELIMITER = ";"
BOM = "\ufeff"


def excel_number(value: Any) -> str:
    """A number as Danish Excel reads it: the shortest exact text with a decimal comma ("0,25", "-3", "12")."""
    return _format_number(value).replace(".", ",")


def excel_csv_bytes(df: Any, preamble: Sequence[str] = ()) -> bytes:
    """The frame as CSV for Danish Excel (see the module docstring): the `preamble` lines (each one field,
    neutralised), the header row, then the rows; numbers with a decimal comma, booleans `true`/`false`."""
    import io

    frame = _to_polars(df)
    numeric = [_is_numeric(dtype) for dtype in frame.dtypes]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=EXCEL_DELIMITER, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    for line in preamble:
        writer.writerow([neutralise(str(line))])
    writer.writerow([neutralise(str(name)) for name in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([
            excel_number(value) if value is not None and not isinstance(value, bool) and (
                is_num or isinstance(value, (int, float, Decimal))) else csv_cell(value, False)
            for value, is_num in zip(row, numeric, strict=True)
        ])
    return (BOM + buffer.getvalue()).encode("utf-8")


def read_excel_csv(data: bytes, preamble_lines: int = 0) -> tuple[list[str], list[dict[str, str]]]:
    """Read what `excel_csv_bytes` wrote: (the preamble lines, the rows as {column: text}); numbers stay
    Danish text ("0,25"), see `excel_number`."""
    import io

    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=EXCEL_DELIMITER, quotechar='"')
    preamble = [(next(reader) or [""])[0] for _ in range(preamble_lines)]
    header = next(reader)
    return preamble, [dict(zip(header, row, strict=True)) for row in reader]


def _write_atomic(data: bytes, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def write_excel_csv(df: Any, path: Path | str, preamble: Sequence[str] = ()) -> dict[str, Any]:
    """Write a DataFrame as CSV for Danish Excel (`excel_csv_bytes`); returns {path, rows, sha256}."""
    import hashlib

    data = excel_csv_bytes(df, preamble)
    target = _write_atomic(data, path)
    return {"path": str(target), "rows": _to_polars(df).height, "sha256": hashlib.sha256(data).hexdigest()}


def write_csv(df: Any, path: Path | str) -> dict[str, Any]:
    """Write a DataFrame (polars or pandas) as safe CSV; returns {path, rows, sha256}."""
    import hashlib

    data = csv_bytes(df)
    target = _write_atomic(data, path)
    return {"path": str(target), "rows": _to_polars(df).height, "sha256": hashlib.sha256(data).hexdigest()}


def safe_sheet_name(name: str, used: set[str] | None = None) -> str:
    """An Excel-legal sheet name (≤ 31 chars, no []:*?/\\), unique within `used`."""
    base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'") or "Ark"
    base = base[:31]
    candidate, n = base, 2
    while used is not None and candidate.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    if used is not None:
        used.add(candidate)
    return candidate


def write_cell(worksheet: Any, row: int, col: int, value: Any, formats: Mapping[str, Any] | None = None,
               numeric: bool = False, cell_format: Any = None) -> None:
    """Write one value to an xlsxwriter worksheet under the policy: never a formula."""
    formats = formats or {}
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        worksheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        worksheet.write_number(row, col, float(value), cell_format or formats.get("number"))
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, value, cell_format or formats.get("datetime"))
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), cell_format or formats.get("date"))
    else:
        worksheet.write_string(row, col, neutralise(str(value)), cell_format)


def new_workbook(path: Path | str | Any) -> Any:
    """An xlsxwriter workbook (file path or binary buffer) with every automatic string conversion off."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        path if hasattr(path, "write") else str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
         "default_date_format": "yyyy-mm-dd"},
    )


def write_frame(workbook: Any, worksheet: Any, df: Any, first_row: int = 0, first_col: int = 0,
                headers: Mapping[str, str] | None = None, column_formats: Mapping[str, Any] | None = None) -> int:
    """Write a frame (header row + data) to a worksheet; returns the next free row index."""
    frame = _to_polars(df)
    header_format = getattr(workbook, "_udb_header_format", None)
    if header_format is None:
        header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        workbook._udb_header_format = header_format  # type: ignore[attr-defined]
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    headers = headers or {}
    for j, name in enumerate(frame.columns):
        label = headers.get(name, name)
        worksheet.write_string(first_row, first_col + j, neutralise(str(label)), header_format)
        worksheet.set_column(first_col + j, first_col + j, max(10, min(60, len(str(label)) + 2)))
    per_column = [(column_formats or {}).get(name) for name in frame.columns]
    for i, row in enumerate(frame.iter_rows(), start=first_row + 1):
        for j, value in enumerate(row):
            write_cell(worksheet, i, first_col + j, value, formats, cell_format=per_column[j])
    return first_row + 1 + frame.height


def _fill_workbook(workbook: Any, sheets: Mapping[str, Any], headers: Mapping[str, str] | None) -> dict[str, int]:
    used: set[str] = set()
    rows: dict[str, int] = {}
    for name, df in sheets.items():
        sheet_name = safe_sheet_name(name, used)
        worksheet = workbook.add_worksheet(sheet_name)
        frame = _to_polars(df)
        write_frame(workbook, worksheet, frame, headers=headers)
        worksheet.freeze_panes(1, 0)
        rows[sheet_name] = frame.height
    return rows


def write_xlsx(sheets: Mapping[str, Any], path: Path | str,
               headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Write {sheet name: DataFrame} to an XLSX file, one sheet each, safely; returns {path, sheets, rows}."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = new_workbook(target)
    try:
        rows = _fill_workbook(workbook, sheets, headers)
    finally:
        workbook.close()
    return {"path": str(target), "sheets": list(rows), "rows": rows}


def xlsx_bytes(sheets: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> bytes:
    """The same workbook as `write_xlsx`, in memory (for download buttons)."""
    import io

    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    try:
        _fill_workbook(workbook, sheets, headers)
    finally:
        workbook.close()
    return buffer.getvalue()


def rows_as_lists(df: Any) -> Iterable[Sequence[Any]]:
    """Rows of a frame as tuples (helper for callers that lay out sheets by hand)."""
    return _to_polars(df).iter_rows()
