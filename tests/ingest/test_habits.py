"""What municipal staff actually send: spelling of CPR, dates, Unicode, layouts, encodings (issue 16).

Fast cases built in memory; the same habits in files written by LibreOffice Calc are in
test_office_files.py (slow). Fictitious CPR only (day + 60).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import unicodedata
from pathlib import Path

import duckdb
import openpyxl
import pytest
from helpers import CPRS, MOVE_HEADER, dashed, move_file, move_row

from udbredelse.cli import main
from udbredelse.ingest import ingest_file, ingest_inbox, validate_file

NAME = "101_MOVE_forloeb_2026-03-31.csv"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _codes(items: list[dict]) -> list[str]:
    return [i["code"] for i in items]


def _query(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ---- privacy: every spelling of a CPR ---------------------------------------------------------------

SPELLINGS = {
    "en dash": "740709\u20134616",
    "non-breaking hyphen": "610190\u20111234",
    "no-break space": "610190\u00a01234",
    "space": "610190 1234",
    "none": "6101901234",
}


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_every_cpr_spelling_in_a_text_field_is_caught_and_masked(settings, tmp_path, spelling) -> None:
    value = SPELLINGS[spelling]
    row = move_row("F2", dashed(CPRS[1])).replace(";M1;", f";{value};")
    data = move_file([move_row("F1", dashed(CPRS[0])), row])
    path = _write(tmp_path, NAME, data)
    report = validate_file(path, settings, kommune="101")
    assert report.status == "partial"
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == [(3, "medarbejder_id", "cpr_in_text")]
    digits = "".join(ch for ch in value if ch.isdigit())
    assert report.errors[0]["value"] == digits[:6] + "-xxxx"
    assert digits[6:] not in json.dumps(report.to_json(), ensure_ascii=False)


@pytest.mark.parametrize("spelling", list(SPELLINGS), ids=list(SPELLINGS))
def test_every_cpr_spelling_is_read_in_the_cpr_column(settings, tmp_path, spelling) -> None:
    cpr10 = CPRS[0]
    value = cpr10 if spelling == "none" else cpr10[:6] + SPELLINGS[spelling][6] + cpr10[6:]
    report = validate_file(_write(tmp_path, NAME, move_file([move_row("F1", value)])), settings, kommune="101")
    assert report.status == "accepted", report.errors


def test_cpr_in_file_level_fields_never_lands_in_clear(settings, capsys) -> None:
    """A CPR in the indsats column, in the sheet name and in the file name: masked in raw.files, the
    report (file block), the quarantine JSON, the validation issues and ingest's printed output."""
    cpr_dash = "610190\u20131234"
    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    # 1. a CPR typed into the indsats column (an unknown intervention: the whole file is rejected)
    csv_rows = [move_row("F1", dashed(CPRS[0])).replace(";MOVE;", f";{cpr_dash};")]
    (folder / f"101_forloeb_{cpr_dash}_2026-03-31.csv").write_bytes(move_file(csv_rows))
    # 2. a sheet named "<CPR> Forløb"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "610190 1234 Forløb"
    sheet.append(MOVE_HEADER.split(";"))
    sheet.append(move_row("F1", dashed(CPRS[0])).split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    (folder / "101_MOVE_forloeb_2026-04-30.xlsx").write_bytes(buffer.getvalue())
    assert main(["ingest"]) == 0
    printed = capsys.readouterr().out
    places = [printed]
    places += [p.read_text(encoding="utf-8") for p in settings.reports_dir.glob("*.json")]
    places += [p.read_text(encoding="utf-8") for p in settings.quarantine_dir.glob("*.json")]
    places += [repr(_query(settings, "select * from raw.files"))]
    places += [repr(_query(settings, "select * from raw.validation_issues"))]
    assert len(places) >= 5
    for text in places:
        assert "1234" not in text, text
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in settings.reports_dir.glob("*.json")]
    assert sorted(r["file"]["sheet_name"] or "" for r in reports) == ["", "610190-xxxx Forløb"]
    assert any(r["file"]["indsats"] == "610190-xxxx" for r in reports)


def test_indsats_and_kommunekode_are_echoed_masked_and_cut_in_the_dry_run(settings, tmp_path) -> None:
    row = move_row("F1", dashed(CPRS[0])).replace("101;MOVE;", "610190-1234;" + "X" * 500 + ";")
    report = validate_file(_write(tmp_path, "forloeb.csv", move_file([row])), settings)
    block = report.to_json()["file"]
    assert block["kommunekode"] == "610190-xxxx"
    assert len(block["indsats"]) <= 20
    assert "1234" not in json.dumps(report.to_json(), ensure_ascii=False)


# ---- no silent corruption -----------------------------------------------------------------------------

def test_two_digit_year_is_read_as_20yy_with_a_warning(settings, tmp_path) -> None:
    data = move_file([move_row("F1", dashed(CPRS[0]), start="12-01-26")])
    report = validate_file(_write(tmp_path, NAME, data), settings, kommune="101")
    assert report.status == "accepted"
    assert [(w["column"], w["code"]) for w in report.warnings] == [("startdato", "two_digit_year")]
    assert "20ÅÅ" in report.warnings[0]["message"]
    from udbredelse.catalog import load_catalog
    from udbredelse.ingest.check import check_bytes

    outcome = check_bytes(data, NAME, settings, load_catalog(settings.catalog_path), "101", dt.datetime(2026, 4, 1))
    assert outcome.accepted["startdato"].to_list() == [dt.date(2026, 1, 12)]


@pytest.mark.parametrize("start", ["0026-01-12", "12-01-1850", "1899-12-31"])
def test_a_date_before_1900_is_rejected(settings, tmp_path, start) -> None:
    data = move_file([move_row("F1", dashed(CPRS[0]), start=start)])
    report = validate_file(_write(tmp_path, NAME, data), settings, kommune="101")
    assert [(e["column"], e["code"]) for e in report.errors] == [("startdato", "date_too_early")]
    assert "1900" in report.errors[0]["message"]


def test_decomposed_danish_letters_in_headers_and_codes(settings, tmp_path) -> None:
    header = MOVE_HEADER.replace("henvisningsaarsag", "henvisningsårsag")
    text = "\n".join([header, move_row("F1", dashed(CPRS[0]))]) + "\n"
    decomposed = unicodedata.normalize("NFD", text)
    assert "a\u030a" in decomposed
    report = validate_file(_write(tmp_path, NAME, decomposed.encode("utf-8")), settings, kommune="101")
    assert report.status == "accepted" and not report.warnings, report.warnings
    targets = unicodedata.normalize("NFD", "Kommunekode;Indsats;År;Måltal\n101;MOVE;2026;40\n")
    report = validate_file(_write(tmp_path, "101_MOVE_maaltal_2026-03-31.csv", targets.encode()), settings,
                           kommune="101")
    assert report.status == "accepted" and report.file_type == "targets", report.errors


def test_row_numbers_after_an_embedded_newline_in_the_fallback_reader(settings, tmp_path) -> None:
    rows = [
        move_row("F1", dashed(CPRS[0])).replace(";M1;", ';"M1\nanden linje";'),
        move_row("F2", dashed(CPRS[1])) + ";ekstra",              # ragged: the python reader reads the file
        move_row("F3", dashed(CPRS[2]), status="gennemfoert"),   # end missing: the error is on row 4
    ]
    report = validate_file(_write(tmp_path, NAME, move_file(rows)), settings, kommune="101")
    assert sorted((e["row"], e["code"]) for e in report.errors) == [(3, "field_count"), (4, "end_required")]


# ---- spreadsheets as people make them -----------------------------------------------------------------

def test_title_and_blank_row_above_the_header(settings, tmp_path) -> None:
    text = "Indberetning MOVE marts 2026;;\n\n" + move_file([move_row("F1", dashed(CPRS[0])),
                                                            move_row("F2", dashed(CPRS[1]), status="gennemfoert")]
                                                           ).decode()
    report = validate_file(_write(tmp_path, NAME, text.encode()), settings, kommune="101")
    assert report.file_type == "courses" and report.rows_total == 2
    assert [(e["row"], e["code"]) for e in report.errors] == [(5, "end_required")]  # title 1, blank 2, header 3


def _workbook(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    workbook = openpyxl.Workbook()
    first = True
    for title, rows in sheets:
        sheet = workbook.active if first else workbook.create_sheet(title)
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_guidance_sheet_first_group_row_and_a_helper_formula_column(settings, tmp_path) -> None:
    header = [*MOVE_HEADER.split(";"), "Hjælpekolonne"]
    rows = [
        ["Indberetning af forløb"],
        ["Forløb", None, None, None, "Henvisning", None, "Status"],   # a merged group row
        header,
        [*move_row("F1", dashed(CPRS[0])).split(";"), "=LEN(C4)"],
        [*move_row("F2", dashed(CPRS[1]), status="gennemfoert").split(";"), "=LEN(C5)"],
    ]
    data = _workbook([("Vejledning", [["Sådan udfylder du arket"], ["Kolonnen status: i_gang, ..."]]),
                      ("Data", rows)])
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", data), settings, kommune="101")
    assert report.sheet_name == "Data" and report.file_type == "courses"
    assert [(e["row"], e["code"]) for e in report.errors] == [(5, "end_required")]
    assert _codes(report.warnings) == ["unknown_column"]


def test_a_formula_in_our_column_keeps_its_hint(settings, tmp_path) -> None:
    rows = [MOVE_HEADER.split(";"), [*move_row("F1", dashed(CPRS[0])).split(";")[:11], "=A2", "ja"]]
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", _workbook([("Ark1", rows)])),
                           settings, kommune="101")
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == [(2, "medarbejder_id", "formula")]
    assert "Indsæt værdien" in report.errors[0]["message"]


def test_twenty_thousand_unknown_columns_give_one_warning(settings, tmp_path) -> None:
    extra = [f"x{i}" for i in range(20_000)]
    header = MOVE_HEADER + ";" + ";".join(extra)
    row = move_row("F1", dashed(CPRS[0])) + ";" * len(extra)
    report = validate_file(_write(tmp_path, NAME, (header + "\n" + row + "\n").encode()), settings, kommune="101")
    assert report.status == "accepted"
    assert _codes(report.warnings) == ["unknown_columns"]
    assert "20000" in report.warnings[0]["message"] or "20.000" in report.warnings[0]["message"]


def test_sep_line_cr_only_and_mac_roman(settings, tmp_path) -> None:
    body = move_file([move_row("F1", dashed(CPRS[0])), move_row("F2", dashed(CPRS[1]), status="gennemfoert")])
    cases = {
        "sep": b"sep=;\r\n" + body.replace(b"\n", b"\r\n"),
        "cr": body.replace(b"\n", b"\r"),
        "mac": body.decode().replace("M1", "Søren Å").encode("mac_roman").replace(b"\n", b"\r"),
    }
    for label, data in cases.items():
        report = validate_file(_write(tmp_path, NAME, data), settings, kommune="101")
        assert report.file_type == "courses", (label, report.errors)
        assert [(e["row"], e["code"]) for e in report.errors] == [(3, "end_required")], (label, report.errors)
    assert validate_file(_write(tmp_path, NAME, cases["mac"]), settings, kommune="101").encoding == "mac_roman"


def test_cpr_that_lost_its_leading_zero(settings, tmp_path) -> None:
    data = move_file([move_row("F1", "101601234")])  # a day-01 CPR in a column formatted as a number: the leading 0 is gone
    report = validate_file(_write(tmp_path, NAME, data), settings, kommune="101")
    assert [(e["row"], e["code"]) for e in report.errors] == [(2, "cpr_leading_zero")]
    assert "tekst" in report.errors[0]["message"] and "0" in report.errors[0]["message"]


def test_every_file_in_the_inbox_gets_a_verdict(settings) -> None:
    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "101_MOVE_forloeb_2026-03-31.ods").write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"mimetype"
                                                              + b"application/vnd.oasis.opendocument.spreadsheet")
    (folder / "notat.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (folder / "101_MOVE_forloeb_2026-03-31.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    (folder / "upload.csv.part").write_bytes(b"still arriving")
    results = {r["name"]: r for r in ingest_inbox(settings)}
    assert set(results) == {"101_MOVE_forloeb_2026-03-31.ods", "notat.pdf", "101_MOVE_forloeb_2026-03-31.xls"}
    assert all(r["status"] == "rejected" for r in results.values())
    assert [p.name for p in folder.iterdir()] == ["upload.csv.part"]
    codes = {name: [e["code"] for e in json.loads((settings.reports_dir / f"{r['file_id']}.json")
                                                     .read_text(encoding="utf-8"))["errors"]]
             for name, r in results.items()}
    assert codes["101_MOVE_forloeb_2026-03-31.ods"] == ["ods_format"]
    assert codes["101_MOVE_forloeb_2026-03-31.xls"] == ["xls_format"]
    assert codes["notat.pdf"] == ["unreadable"]


# ---- file names -------------------------------------------------------------------------------------

def test_a_file_name_cannot_forge_an_output_line(settings, capsys) -> None:
    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    forged = "101_MOVE_forloeb_2026-03-31\naccepted  courses 101 MOVE rækker 9 af 9  x\r\x1b[2K.csv"
    (folder / forged).write_bytes(move_file([move_row("F1", dashed(CPRS[0]))]))
    assert main(["ingest"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines  # one line per file + the summary
    assert "\x1b" not in lines[0] and "\r" not in lines[0]


def test_a_file_name_that_is_not_utf8_is_quarantined_with_a_verdict(settings, capsys) -> None:
    folder = settings.inbox_dir / "101"
    folder.mkdir(parents=True, exist_ok=True)
    raw = b"101_MOVE_forl\xf8b_2026-03-31.csv"  # Latin-1 ø: not UTF-8
    target = folder / os.fsdecode(raw)
    target.write_bytes(move_file([move_row("F1", dashed(CPRS[0]))]))
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "rejected" in out and "\ufffd" in out
    assert not target.exists()  # quarantined, never left in the inbox to fail again
    (status, name), = _query(settings, "select status, original_name from raw.files")
    assert status == "rejected" and "\ufffd" in name
    report = next(settings.reports_dir.glob("*.json")).read_text(encoding="utf-8")
    assert "file_name_encoding" in report and "Omdøb" in report
    assert main(["ingest"]) == 0  # the next run is quiet
    assert "0 fil(er) behandlet" in capsys.readouterr().out


def test_a_dashboard_upload_with_a_cpr_in_its_name_is_masked(settings) -> None:
    from udbredelse.pipeline import upload_name

    assert upload_name("610190\u20131234 forløb.csv") == "610190-xxxx_forl_b.csv"
    result = ingest_file(_write(settings.home_path, NAME, move_file([move_row("F1", dashed(CPRS[0]))])), settings,
                         kommune="101", source="upload", original_name="forløb 610190 1234.csv")
    assert result["name"] == "forløb 610190-xxxx.csv"
