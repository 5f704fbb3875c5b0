"""Reading: encodings, delimiters, Danish dates and headers, XLSX (hardened), never a lost row."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import CPRS, MOVE_HEADER, VALID, dashed, move_file, move_row
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from udbredelse.catalog import load_catalog
from udbredelse.ingest import validate_file
from udbredelse.ingest.check import check_bytes
from udbredelse.ingest.headers import normalise_header

MOVE_TEXT = (VALID / "101_MOVE_forloeb_2026-03-31.csv").read_text(encoding="utf-8")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_encodings_and_delimiters_read_the_same(tmp_path, settings, encoding, delimiter) -> None:
    text = MOVE_TEXT.replace("M1", "Søren Ærø").replace(";", delimiter)
    path = _write(tmp_path, "101_MOVE_forloeb_2026-03-31.csv", text.encode(encoding))
    report = validate_file(path, settings, kommune="101")
    assert report.status == "accepted", report.to_text()
    assert report.rows_accepted == 4
    assert report.encoding == encoding
    assert report.delimiter == delimiter


def test_cp1252_file_with_danish_headers_and_quoted_fields(settings) -> None:
    report = validate_file(VALID / "147_CTI_forloeb_2026-03-31.csv", settings, kommune="147")
    assert report.encoding == "cp1252" and report.delimiter == ","
    assert report.status == "accepted", report.to_text()
    assert report.indsats == "CTI"


def test_header_variants(settings, tmp_path) -> None:
    header = MOVE_HEADER.replace("forloeb_id", " Forløbs-ID ").replace("cpr;", "CPR-nr;").replace(
        "antal_sessioner", "Antal sessioner").replace("henvisningsaarsag", "Henvisningsårsag").replace(
        "kommunekode", "KOMMUNE")
    data = (header + "\n" + move_row("F1", dashed(CPRS[0])) + "\n").encode()
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.csv", data), settings, kommune="101")
    assert report.status == "accepted", report.to_text()
    assert normalise_header("cprnr") == "cpr"
    assert normalise_header("Forløbs-id") == "forloeb_id"
    assert normalise_header("ANTAL SESSIONER") == "antal_sessioner"
    assert normalise_header("Milepæl") == "milepael"
    assert normalise_header("År") == "aar"


@pytest.mark.parametrize("start", ["2026-01-12", "12-01-2026", "12.01.2026", "12/1/2026", "46034"])
def test_danish_date_forms(settings, tmp_path, start) -> None:
    data = move_file([move_row("F1", dashed(CPRS[0]), start=start)])
    outcome = check_bytes(data, "101_MOVE_forloeb_2026-03-31.csv", settings, load_catalog(settings.catalog_path),
                          "101", dt.datetime(2026, 4, 1))
    assert outcome.status == "accepted", outcome.issues
    assert outcome.accepted["startdato"].to_list() == [dt.date(2026, 1, 12)]


def test_blank_lines_keep_spreadsheet_row_numbers(settings, tmp_path) -> None:
    rows = [move_row("F1", dashed(CPRS[0])), "", move_row("F2", dashed(CPRS[1]), status="gennemfoert")]
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.csv", move_file(rows)), settings,
                           kommune="101")
    assert report.rows_total == 2
    assert [e["row"] for e in report.errors] == [4]  # header 1, F1 row 2, blank row 3, F2 row 4


def _xlsx(rows: list[list[object]], sheet_title: str = "Ark1", extra_first_sheet: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if extra_first_sheet:
        sheet.title = "Vejledning"
        sheet.append(["Dette ark er en vejledning"])
        sheet = workbook.create_sheet(sheet_title)
    else:
        sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_course_rows() -> list[list[object]]:
    header = MOVE_HEADER.split(";")
    return [
        header,
        [101, "MOVE", "F1", dashed(CPRS[0]), dt.datetime(2026, 1, 5), "rusmiddel", "i_gang", dt.date(2026, 1, 12),
         None, None, 5, "M1", "ja"],
        ["101", "MOVE", "F2", CPRS[1], "05-01-2026", "anden", "gennemfoert", dt.datetime(2025, 10, 1),
         dt.datetime(2026, 2, 1), None, 12.0, "M1", True],
    ]


def test_xlsx_with_date_cells_and_named_sheet(settings, tmp_path) -> None:
    data = _xlsx(_xlsx_course_rows(), sheet_title="forløb", extra_first_sheet=True)
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", data), settings, kommune="101")
    assert report.status == "accepted", report.to_text()
    assert report.sheet_name == "forløb" and report.rows_accepted == 2


def test_xlsx_formula_is_a_row_error(settings, tmp_path) -> None:
    rows = _xlsx_course_rows()
    rows[2][10] = "=SUM(1,2)"
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", _xlsx(rows)), settings, kommune="101")
    assert report.status == "partial"
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == [(3, "antal_sessioner", "formula")]


def _patch_zip(data: bytes, name: str, transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = transform(content)
            target.writestr(info, content)
    return out.getvalue()


def test_xlsx_with_doctype_entity_is_rejected(settings, tmp_path) -> None:
    data = _patch_zip(_xlsx(_xlsx_course_rows()), "xl/worksheets/sheet1.xml",
                      lambda c: b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + c)
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", data), settings, kommune="101")
    assert report.status == "rejected"
    assert [e["code"] for e in report.errors] == ["xlsx_unsafe"]


def test_xlsx_zip_bomb_is_rejected(settings, tmp_path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>")
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.xlsx", buffer.getvalue()), settings,
                           kommune="101")
    assert [e["code"] for e in report.errors] == ["xlsx_unsafe"]


def test_size_cap(home, monkeypatch, tmp_path) -> None:
    from udbredelse.settings import get_settings

    monkeypatch.setenv("UDBREDELSE_MAX_UPLOAD_MB", "1")
    rows = [move_row(f"F{i}", dashed(CPRS[i % len(CPRS)])) for i in range(15000)]
    report = validate_file(_write(tmp_path, "101_MOVE_forloeb_2026-03-31.csv", move_file(rows)), get_settings(),
                           kommune="101")
    assert [e["code"] for e in report.errors] == ["too_large"]


def test_garbage_and_empty_files_are_rejected_not_crashing(settings, tmp_path) -> None:
    for name, data in [("a.csv", b""), ("b.csv", b"\n\n\n"), ("c.xlsx", b"PK\x03\x04garbage"), ("d.csv", b"\x00\x01")]:
        report = validate_file(_write(tmp_path, name, data), settings, kommune="101")
        assert report.status == "rejected" and report.errors[0]["row"] is None


CSV_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab-;,\"\n æø0/.")), max_size=12),  # one digit: never a real CPR
    st.sampled_from(["610108-4009", "6101084009", "2026-01-12", "i_gang", "MOVE", "101", "ja"]),
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=14), max_size=6), delimiter=st.sampled_from([";", ","]))
def test_reader_property_never_crashes_and_counts_add_up(settings, rows, delimiter) -> None:
    lines = [MOVE_HEADER.replace(";", delimiter)] + [delimiter.join(r) for r in rows]
    data = "\n".join(lines).encode("utf-8")
    outcome = check_bytes(data, "101_MOVE_forloeb_2026-03-31.csv", settings, load_catalog(settings.catalog_path),
                          "101", dt.datetime(2026, 4, 1))
    assert outcome.rows_accepted + outcome.rows_rejected == outcome.rows_read
    assert outcome.status in ("accepted", "partial", "rejected")
    text = outcome.issues.write_csv()
    assert "6101084009" not in text and "610108-4009" not in text


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_reader_property_random_bytes(settings, data) -> None:
    outcome = check_bytes(data, "x.csv", settings, load_catalog(settings.catalog_path), "101", dt.datetime(2026, 4, 1))
    assert outcome.rows_accepted + outcome.rows_rejected == outcome.rows_read
