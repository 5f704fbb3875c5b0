"""Formula-injection neutralisation and RFC 4180 quoting for CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pytest

from udbredelse.export.safe_csv import csv_bytes, neutralise, safe_sheet_name, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("=HYPERLINK(\"http://x\";\"klik\")", "'=HYPERLINK(\"http://x\";\"klik\")"),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("-1+1", "'-1+1"),
        # genuine numbers written as text stay numbers
        ("-3", "-3"),
        ("-0.25", "-0.25"),
        ("-1,5", "-1,5"),
        ("+7", "+7"),
        ("-1e3", "-1e3"),
        # ordinary text is untouched
        ("Aalborg", "Aalborg"),
        ("a=b", "a=b"),
        ("", ""),
        ("København – 101", "København – 101"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


@pytest.mark.parametrize("value", [None, -3, -0.25, True, dt.date(2026, 1, 1)])
def test_neutralise_leaves_non_text_values_alone(value: object) -> None:
    assert neutralise(value) is value


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_numbers_stay_numeric_and_text_is_neutralised(tmp_path: Path) -> None:
    frame = pl.DataFrame({
        "tekst": ["=1+1", "-3", "@x", "\tfane", "-cmd", "ok"],
        "heltal": [-3, 0, 7, -12, 1, 2],
        "decimal": [-0.25, 1.5, None, -2.0, 0.1, float("nan")],
        "flag": [True, False, None, True, False, True],
        "dato": [dt.date(2026, 3, 1), None, dt.date(2026, 1, 31), None, None, None],
    })
    result = write_csv(frame, tmp_path / "x.csv")
    rows = _read((tmp_path / "x.csv").read_bytes())
    assert result["rows"] == 6
    assert rows[0] == ["tekst", "heltal", "decimal", "flag", "dato"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "-3", "'@x", "'\tfane", "'-cmd", "ok"]
    assert [r[1] for r in rows[1:]] == ["-3", "0", "7", "-12", "1", "2"]
    assert [r[2] for r in rows[1:]] == ["-0.25", "1.5", "", "-2", "0.1", ""]
    assert [r[3] for r in rows[1:]] == ["true", "false", "", "true", "false", "true"]
    assert rows[1][4] == "2026-03-01" and rows[2][4] == ""


def test_csv_rfc4180_quoting_and_crlf() -> None:
    frame = pl.DataFrame({
        "navn": ['sagde "hej"', "a;b", "linje1\nlinje2", "komma, her", "vogn\rretur", "plain"],
        "n": [1, 2, 3, 4, 5, 6],
    })
    data = csv_bytes(frame)
    # every record ends with CRLF; the bare LF inside a quoted field is kept as data
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 7  # header + 6 rows
    assert b'"sagde ""hej""",1\r\n' in data
    assert b'"linje1\nlinje2",3\r\n' in data
    assert b'"komma, her",4\r\n' in data
    assert b"plain,6\r\n" in data
    # round trip: an RFC 4180 reader gets the exact values back (";" and newlines inside fields intact)
    rows = _read(data)
    assert [r[0] for r in rows[1:]] == ['sagde "hej"', "a;b", "linje1\nlinje2", "komma, her", "vogn\rretur", "plain"]
    # polars reads it back too
    back = pl.read_csv(io.BytesIO(data))
    assert back["navn"].to_list()[:4] == ['sagde "hej"', "a;b", "linje1\nlinje2", "komma, her"]


def test_csv_accepts_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["=x", "y"], "b": [-1.5, 2.0]})
    write_csv(frame, tmp_path / "p.csv")
    assert _read((tmp_path / "p.csv").read_bytes())[1:] == [["'=x", "-1.5"], ["y", "2"]]


def test_xlsx_never_writes_formulas(tmp_path: Path) -> None:
    frame = pl.DataFrame({
        "tekst": ["=1+1", "+45 12", "@SUM(A1)", "-cmd", "-3", "=HYPERLINK(\"http://x\")", "http://example.org"],
        "tal": [-3.0, -0.25, 1.0, 2.0, 3.0, 4.0, 5.0],
    })
    result = write_xlsx({"Ark: 1/2?": frame, "Andet": frame.head(2)}, tmp_path / "x.xlsx")
    assert result["sheets"] == ["Ark_ 1_2_", "Andet"]
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    ws = wb["Ark_ 1_2_"]
    cells = [row for row in ws.iter_rows(min_row=2)]
    assert [c[0].value for c in cells] == ["'=1+1", "'+45 12", "'@SUM(A1)", "'-cmd", "-3", "'=HYPERLINK(\"http://x\")",
                                           "http://example.org"]
    assert all(c[0].data_type == "s" for c in cells)
    assert [c[1].value for c in cells] == [-3, -0.25, 1, 2, 3, 4, 5]
    assert all(c[1].data_type == "n" for c in cells)
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            xml = z.read(name)
            assert b"<f>" not in xml and b"<f " not in xml  # no formula element anywhere
            assert b"hyperlink" not in xml.lower()  # URLs are not turned into links


def test_sheet_names_are_legal_and_unique() -> None:
    used: set[str] = set()
    assert safe_sheet_name("Datakvalitet", used) == "Datakvalitet"
    assert safe_sheet_name("datakvalitet", used) == "datakvalitet (2)"
    long = safe_sheet_name("x" * 40, used)
    assert len(long) == 31
    assert safe_sheet_name("a[b]c:d*e?f/g\\h") == "a_b_c_d_e_f_g_h"


def test_in_memory_variants_match_the_files(tmp_path: Path) -> None:
    from udbredelse.export.safe_csv import xlsx_bytes

    frame = pl.DataFrame({"a": ["=x", "y"], "b": [1, -2]})
    write_csv(frame, tmp_path / "a.csv")
    assert csv_bytes(frame) == (tmp_path / "a.csv").read_bytes()
    data = xlsx_bytes({"Ark": frame})
    (tmp_path / "m.xlsx").write_bytes(data)
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx")["Ark"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["a", "b"], ["'=x", 1], ["y", -2]]
