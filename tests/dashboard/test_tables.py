"""Downloads neutralise spreadsheet formulas and keep numbers as numbers."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from dashboard import tables


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"forloeb_id": ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "KBH-1"], "vaerdi": [-3.0, 0.5, None],
                         "blandet": ["@cmd", 7, None]})


def test_csv_download_neutralises_formulas() -> None:
    text = tables.to_csv_bytes(_frame()).decode("utf-8")
    assert "'=HYPERLINK" in text and "'+SUM(A1)" in text and "'@cmd" in text
    assert ",-3," in text  # a negative number stays a number


def test_xlsx_download_has_no_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(_frame())))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in values and -3 in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
