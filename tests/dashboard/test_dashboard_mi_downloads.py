"""Downloads open in Danish Excel's conventions: `;`, decimal comma, UTF-8 BOM, numbers as numbers."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

from dashboard import tables


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Kommune": ["Århus", "Brøndby; syd", "=cmd"],
        "Opstartede forløb": [1234, 7, 0],
        "Gennemførelsesrate (%)": [57.9, 100.0, None],
        "Ventetid (dage)": [12.25, -3.5, 0.125],
        "Seneste fil": [pd.Timestamp("2026-03-01"), pd.NaT, pd.Timestamp("2026-11-30 14:05")],
    })


def test_csv_reads_back_with_semicolon_and_decimal_comma() -> None:
    data = tables.to_csv_bytes(_frame())
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads æøå right
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Kommune;Opstartede forløb;Gennemførelsesrate (%);Ventetid (dage);Seneste fil"
    assert "\r\n" in text
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Opstartede forløb"].tolist() == [1234, 7, 0]
    assert back["Gennemførelsesrate (%)"].tolist()[:2] == [57.9, 100.0]
    assert pd.isna(back["Gennemførelsesrate (%)"].iloc[2])
    assert back["Ventetid (dage)"].tolist() == [12.25, -3.5, 0.125]
    assert back["Kommune"].tolist() == ["Århus", "Brøndby; syd", "'=cmd"]  # quoted delimiter, neutralised formula
    assert back["Seneste fil"].tolist()[0] == "01-03-2026"
    assert back["Seneste fil"].tolist()[2] == "30-11-2026 14:05"
    assert "1.234" not in text and "57.9" not in text  # no thousands dot, no decimal point


def test_danish_number() -> None:
    assert tables.danish_number(1234.0) == "1234"
    assert tables.danish_number(0.25) == "0,25"
    assert tables.danish_number(1e-7) == "0,0000001"  # never exponent notation
    assert tables.danish_number(float("nan")) == ""


def test_xlsx_has_numeric_cells_on_a_danish_sheet() -> None:
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(_frame(), sheet="Forløb")))
    assert book.sheetnames == ["Forløb"]
    sheet = book["Forløb"]
    assert [c.value for c in sheet[1]][:3] == ["Kommune", "Opstartede forløb", "Gennemførelsesrate (%)"]
    assert sheet["B2"].value == 1234 and sheet["C2"].data_type == "n" and sheet["C2"].value == pytest.approx(57.9)
    assert isinstance(sheet["E2"].value, dt.datetime)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (Debian) is not installed")
def test_libreoffice_in_danish_reads_the_csv_as_numbers(tmp_path) -> None:
    """LibreOffice Calc opening the CSV as a Danish user would (locale da-DK) sees numbers, not text."""
    source = tmp_path / "tabel.csv"
    source.write_bytes(tables.to_csv_bytes(_frame()))
    # CSV filter options: separator 59 (;), quote 34 ("), charset 76 (UTF-8), first line 1, column types
    # default, language 1030 (da-DK: decimal comma)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "xlsx",
         "--infilter=CSV:59,34,76,1,,1030", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    sheet = openpyxl.load_workbook(tmp_path / "tabel.xlsx").active
    assert sheet["A2"].value == "Århus"
    assert sheet["B2"].value == 1234
    assert sheet["C2"].value == pytest.approx(57.9)
    assert sheet["D3"].value == pytest.approx(-3.5)
