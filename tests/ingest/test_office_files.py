"""Files written by real office software: LibreOffice Calc (Debian) saves the workbooks this test writes as
flat ODS (FODS) through its own XLSX, XLS, ODS and CSV export filters (issue 16).

One session fixture converts everything (one soffice run per target format, one private profile); the
tests are slow. Nothing binary is committed. Fictitious CPR only (day + 60).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from helpers import CPRS, MOVE_HEADER, dashed

from udbredelse.cli import main
from udbredelse.ingest import validate_file

pytestmark = pytest.mark.slow
SOFFICE = shutil.which("soffice")
CSV_FILTER = 'csv:Text - txt - csv (StarCalc):59,34,76,1'   # ';', '"', UTF-8, from line 1

FODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
    '<office:automatic-styles>'
    '<number:date-style style:name="N37"><number:day number:style="long"/><number:text>-</number:text>'
    '<number:month number:style="long"/><number:text>-</number:text><number:year number:style="long"/>'
    '</number:date-style>'
    '<style:style style:name="date" style:family="table-cell" style:data-style-name="N37"/>'
    '</office:automatic-styles><office:body><office:spreadsheet>'
)
FODS_TAIL = "</office:spreadsheet></office:body></office:document>"


def _cell(value: object) -> str:
    """A cell as a person types it: text, a number, a date (as a date cell) or a formula."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, tuple) and value[0] == "date":
        return (f'<table:table-cell table:style-name="date" office:value-type="date" office:date-value="{value[1]}">'
                f"<text:p>{value[1]}</text:p></table:table-cell>")
    if isinstance(value, tuple) and value[0] == "formula":
        return f'<table:table-cell table:formula="{escape(value[1])}" office:value-type="float" office:value="0"/>'
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def _fods(sheets: list[tuple[str, list[list[object]]]]) -> str:
    body = []
    for name, rows in sheets:
        body.append(f'<table:table table:name="{escape(name)}">')
        for row in rows:
            body.append("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>")
        body.append("</table:table>")
    return FODS_HEAD + "".join(body) + FODS_TAIL


def _course(forloeb_id: str, cpr: object, status: str = "i_gang", end: object = None,
            staff: object = "M1") -> list[object]:
    return [101, "MOVE", forloeb_id, cpr, ("date", "2026-01-05"), "rusmiddel", status, ("date", "2026-01-12"),
            end, None, 5, staff, "ja"]


HEADER = MOVE_HEADER.split(";")
# a guidance sheet first; a title, a blank row and a group row above the header; a helper formula column
LAYOUT_ROWS = [
    ["Indberetning af forløb, MOVE, marts 2026"],
    [],
    ["Forløb", None, None, None, "Henvisning", None, "Status"],
    [*HEADER, "Hjælpekolonne"],
    [*_course("F1", dashed(CPRS[0])), ("formula", "of:=LEN([.C5])")],
    [*_course("F2", dashed(CPRS[1]), status="gennemfoert"), ("formula", "of:=LEN([.C6])")],   # end missing
    [*_course("F3", dashed(CPRS[2]), staff="610190\u20131234"), ("formula", "of:=LEN([.C7])")],  # CPR in text
    [*_course("F4", 101601234), ("formula", "of:=LEN([.C8])")],              # the CPR lost its leading zero
]
SOURCES = {
    "layout": [("Vejledning", [["Sådan udfylder du arket"], ["status: henvist, i_gang, gennemfoert, afbrudt"]]),
               ("610190-1234 Forløb", LAYOUT_ROWS)],
    "plain": [("forloeb", [HEADER, _course("F1", dashed(CPRS[0])),
                           _course("F2", dashed(CPRS[1]), status="gennemfoert", end=("date", "2026-02-01"))])],
}
EXPECTED_LAYOUT_ERRORS = [(6, "slutdato", "end_required"), (7, "medarbejder_id", "cpr_in_text"),
                          (8, "cpr", "cpr_leading_zero")]


@pytest.fixture(scope="session")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    root = tmp_path_factory.mktemp("office")
    sources = root / "src"
    sources.mkdir()
    for name, sheets in SOURCES.items():
        (sources / f"{name}.fods").write_text(_fods(sheets), encoding="utf-8")
    profile = f"-env:UserInstallation=file://{root / 'profile'}"
    out: dict[str, Path] = {}
    for target, names in (("xlsx", ["layout", "plain"]), ("xls", ["layout"]), ("ods", ["layout"]),
                          (CSV_FILTER, ["plain"])):
        folder = root / target.split(":")[0]
        subprocess.run([SOFFICE, profile, "--headless", "--norestore", "--convert-to", target, "--outdir",
                        str(folder), *[str(sources / f"{n}.fods") for n in names]],
                       check=True, capture_output=True, timeout=300)
        for n in names:
            made = folder / f"{n}.{target.split(':')[0]}"
            assert made.exists(), f"LibreOffice wrote no {made.name}"
            out[f"{n}.{target.split(':')[0]}"] = made
    return out


def _as(path: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(path, target)
    return target


def test_calc_xlsx_with_guidance_sheet_title_rows_and_helper_column(office_files, settings, tmp_path) -> None:
    path = _as(office_files["layout.xlsx"], tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx")
    report = validate_file(path, settings, kommune="101")
    assert report.file_type == "courses" and report.rows_total == 4
    assert report.sheet_name == "610190-xxxx Forløb"  # the data sheet, its name masked
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == EXPECTED_LAYOUT_ERRORS
    assert [w["code"] for w in report.warnings] == ["unknown_column"]
    assert "1234" not in json.dumps(report.to_json(), ensure_ascii=False)


def test_calc_xlsx_plain_reads_date_cells(office_files, settings, tmp_path) -> None:
    path = _as(office_files["plain.xlsx"], tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx")
    report = validate_file(path, settings, kommune="101")
    assert report.status == "accepted", report.errors
    assert report.rows_total == 2


def test_calc_csv_export_is_read(office_files, settings, tmp_path) -> None:
    path = _as(office_files["plain.csv"], tmp_path, "101_MOVE_forloeb_2026-03-31.csv")
    report = validate_file(path, settings, kommune="101")
    assert report.status == "accepted", report.errors
    assert report.delimiter == ";" and report.rows_total == 2


@pytest.mark.parametrize(("key", "code", "hint"), [("layout.xls", "xls_format", ".xlsx"),
                                                   ("layout.ods", "ods_format", ".xlsx")])
def test_calc_xls_and_ods_get_a_verdict_with_a_hint(office_files, settings, tmp_path, capsys, key, code,
                                                     hint) -> None:
    path = _as(office_files[key], tmp_path, f"101_MOVE_forloeb_2026-03-31.{key.split('.')[1]}")
    assert main(["validate", str(path), "--kommune", "101", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [e["code"] for e in report["errors"]] == [code]
    assert hint in report["errors"][0]["message"]
