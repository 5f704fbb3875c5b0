"""A CPR number typed into a free-text (or any non-`cpr`) column is stopped at the boundary, masked.

Fictitious numbers only (day + 60). The quality suite fails the whole national build on one
CPR-shaped string in any mart, so the boundary must catch at least what that suite's pattern catches.
"""

from __future__ import annotations

import json
import logging
import re

import duckdb
import polars as pl
import pytest
from helpers import CPRS, INVALID, dashed, move_file, move_row
from hypothesis import given
from hypothesis import strategies as st

from udbredelse import cpr
from udbredelse.cli import main
from udbredelse.ingest import ingest_inbox, validate_file
from validation.quality.suites import CPR_PATTERN as QUALITY_CPR_PATTERN

CPR_TEXT = "610190-1234"            # fictitious: day 61
CPR_FORMS = ["6101901234", "610190-1234", "610190 1234", "610190_1234"]
MESSAGE = "Feltet ser ud til at indeholde et CPR-nummer. Brug kommunens eget forløbs-id/medarbejder-id – aldrig CPR."


def _flag(values: list[str | None]) -> list[bool | None]:
    return pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(cpr.cpr_in_text_expr(pl.col("v"))) \
        .to_series().to_list()


@pytest.mark.parametrize("value", [
    "610190-1234", "6101901234", "K-6101901234", "K6101901234", "forløb 610190-1234 i Øst", "x/7105921234/y",
    "12-610190-1234-5", "9112991234", "610190-1234\n",
    # every spelling people (and their word processors) use: space, en dash, non-breaking hyphen,
    # no-break space, narrow no-break space, minus sign, underscore
    "740709\u20134616", "610190\u20111234", "610190\u00a01234", "610190 1234", "610190\u202f1234",
    "610190\u22121234", "M_610190_1234",
])
def test_cpr_shaped_text_is_flagged(value: str) -> None:
    assert _flag([value]) == [True]


@pytest.mark.parametrize("value", [
    "K-2024-0001", "202401011234", "610190123456", "F-610190-12345", "1610190-1234", "610190-12345",
    "320190-1234", "001090-1234", "611390-1234", "610090-1234", "6101901-234", "610190--1234", "MOVE2024-00001",
    "2026-01-05", "M1", "",
])
def test_ids_dates_and_long_numbers_are_not_flagged(value: str) -> None:
    assert _flag([value]) == [False]


def test_null_is_not_flagged() -> None:
    assert _flag([None]) == [None]


QUALITY_RE = re.compile(QUALITY_CPR_PATTERN)
TEXT = st.text(alphabet=st.sampled_from(list("0123456789-- aK/_\u2013\u2011\u00a0")), max_size=24)
# fictitious days only, so no real-date number is ever generated
EMBEDDED = st.builds(lambda a, n, b: a + n + b, TEXT,
                     st.from_regex("\\A(6[1-9]|[78][0-9]|9[01])(0[1-9]|1[0-2])[0-9]{2}[-\u2013\u2011\u00a0 ]?[0-9]{4}\\Z"), TEXT)


@given(st.lists(st.one_of(TEXT, EMBEDDED), min_size=1, max_size=30))
def test_boundary_catches_everything_the_quality_suite_would(values: list[str]) -> None:
    for value, flagged in zip(values, _flag(values), strict=True):
        if QUALITY_RE.search(value):
            assert flagged, value


@given(st.lists(st.one_of(TEXT, EMBEDDED), min_size=1, max_size=30))
def test_masking_leaves_nothing_the_boundary_would_flag(values: list[str]) -> None:
    masked = pl.DataFrame({"v": values}).select(cpr.mask_text_expr(pl.col("v"))).to_series()
    assert not any(_flag(masked.to_list())), masked.to_list()


def test_mask_text_expr_adjacent_numbers() -> None:
    values = ["6101901234-6101901234-6101901234", "a 610190 1234 b", "610190_1234"]
    masked = pl.DataFrame({"v": values}).select(cpr.mask_text_expr(pl.col("v"))).to_series().to_list()
    assert masked == ["610190-xxxx-610190-xxxx-610190-xxxx", "a 610190-xxxx b", "610190-xxxx"]


def _report_text(report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False) + report.to_text()


def _assert_no_clear(text: str) -> None:
    for form in CPR_FORMS:
        assert form not in text
    assert "1901234" not in text  # not even most of the digits


@pytest.mark.parametrize("column,value", [
    ("forloeb_id", "6101901234"), ("medarbejder_id", "Medarbejder 610190-1234"), ("ungmap_screening", CPR_TEXT),
    ("henvisningsaarsag", CPR_TEXT), ("antal_sessioner", "6101901234"),
])
def test_course_columns_reject_the_row_with_a_masked_value(settings, tmp_path, column: str, value: str) -> None:
    header = ("kommunekode;indsats;forloeb_id;cpr;henvisningsdato;henvisningsaarsag;status;startdato;slutdato;"
              "afslutningsaarsag;antal_sessioner;medarbejder_id;ungmap_screening").split(";")
    bad = move_row("F2", dashed(CPRS[1])).split(";")
    bad[header.index(column)] = value
    path = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    path.write_bytes(move_file([move_row("F1", dashed(CPRS[0])), ";".join(bad)]))
    report = validate_file(path, settings, kommune="101")
    assert report.status == "partial" and (report.rows_accepted, report.rows_rejected) == (1, 1)
    hits = [e for e in report.errors if e["code"] == "cpr_in_text"]
    assert [(e["row"], e["column"]) for e in hits] == [(3, column)]
    assert hits[0]["message"] == MESSAGE
    assert hits[0]["value"].count("-xxxx") == 1 and "610190-xxxx" in hits[0]["value"]
    _assert_no_clear(_report_text(report))


def test_ordinary_ids_are_accepted(settings, tmp_path) -> None:
    rows = [move_row("K-2024-0001", dashed(CPRS[0])), move_row("610190123456", dashed(CPRS[1])),
            move_row("MOVE2024-00001", dashed(CPRS[2])), move_row("F-2026-03-31", dashed(CPRS[3]))]
    rows[1] = rows[1].replace(";M1;", ";202401011234;")
    path = tmp_path / "101_MOVE_forloeb_2026-03-31.csv"
    path.write_bytes(move_file(rows))
    report = validate_file(path, settings, kommune="101")
    assert report.errors == [], report.to_text()
    assert report.status == "accepted" and report.rows_accepted == 4


def test_valid_registry_pseudonyms_are_not_free_text(settings, tmp_path) -> None:
    path = tmp_path / "register_2026-03-31.csv"
    # 32 hex characters starting with a CPR-shaped run: a pseudonym, not a typed CPR
    path.write_text("pseudonym;periode;indikator;vaerdi\n6101901234abcdef0123456789abcdef;2026-01;i_uddannelse;1\n",
                    encoding="utf-8")
    report = validate_file(path, settings)
    assert report.status == "accepted", report.to_text()


def test_cpr_as_a_column_header_is_masked(settings, tmp_path) -> None:
    path = tmp_path / "101_MOVE_sessioner_2026-03-31.csv"
    path.write_text(f"kommunekode;indsats;forloeb_id;sessionsdato;{CPR_TEXT}\n101;MOVE;F1;2026-01-12;x\n",
                    encoding="utf-8")
    report = validate_file(path, settings, kommune="101")
    assert [w["code"] for w in report.warnings] == ["unknown_column"]
    assert report.warnings[0]["column"] == "610190-xxxx"
    _assert_no_clear(_report_text(report))


def test_validate_json_masks_the_value(settings, capsys) -> None:
    code = main(["validate", str(INVALID / "cpr_in_text__medarbejder__101_MOVE_forloeb_2026-03-31.csv"),
                 "--kommune", "101", "--json"])
    raw = capsys.readouterr().out
    out = json.loads(raw)
    assert code == 1 and out["status"] == "partial"
    assert [(e["row"], e["column"], e["code"], e["value"]) for e in out["errors"]] == [
        (3, "medarbejder_id", "cpr_in_text", "610190-xxxx")]
    assert out["errors"][0]["message"] == MESSAGE
    _assert_no_clear(raw)


def _drop(settings, folder: str, name: str, data: bytes) -> None:
    path = settings.inbox_dir / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_cpr_in_text_never_lands_and_carry_forward_applies(settings, caplog, capsys) -> None:
    caplog.set_level(logging.DEBUG)
    march = move_file([move_row("F1", dashed(CPRS[0])), move_row("F2", dashed(CPRS[1]))])
    april_rows = [move_row("F1", dashed(CPRS[0])), move_row("F2", dashed(CPRS[1])), move_row(CPR_TEXT, dashed(CPRS[2]))]
    april_rows[1] = april_rows[1].replace(";M1;", f";{CPR_TEXT};")     # staff id typed as a CPR
    _drop(settings, "101", "101_MOVE_forloeb_2026-03-31.csv", march)
    _drop(settings, "101", "101_MOVE_forloeb_2026-04-30.csv", move_file(april_rows))
    for name in ("101_MOVE_sessioner_2026-03-31.csv", "101_MOVE_maalinger_2026-03-31.csv",
                 "101_MOVE_maaltal_2026-03-31.csv", "101_MOVE_milepaele_2026-03-31.csv"):
        _drop(settings, "101", name, (INVALID / f"cpr_in_text__{name}").read_bytes())
    _drop(settings, "register", "register_2026-03-31.csv", (INVALID / "cpr_in_text__register_2026-03-31.csv").read_bytes())
    results = {r["name"]: r for r in ingest_inbox(settings)}
    assert results.pop("101_MOVE_forloeb_2026-03-31.csv")["status"] == "accepted"
    april = results.pop("101_MOVE_forloeb_2026-04-30.csv")
    assert (april["status"], april["rows_read"], april["rows_accepted"], april["rows_rejected"]) == (
        "partial", 3, 1, 2)
    for name, result in results.items():
        assert (result["status"], result["rows_accepted"], result["rows_rejected"]) == ("partial", 1, 1), name

    # nothing under the home but the inbox holds the number, in any form (the archive is encrypted)
    assert not [p for p in settings.inbox_dir.rglob("*") if p.is_file()]
    files = [p for p in settings.home_path.rglob("*") if p.is_file() and "inbox" not in p.relative_to(
        settings.home_path).parts]
    assert len(files) > 5
    forms = [f.encode(enc) for f in CPR_FORMS for enc in ("utf-8", "utf-16-le")]
    for path in files:
        blob = path.read_bytes()
        for form in forms:
            assert form not in blob, path
    _assert_no_clear(json.dumps(list(results.values())) + json.dumps(april) + caplog.text + capsys.readouterr().out)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:  # DuckDB may compress on disk: read every value of every column back as text
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where table_schema = 'raw'").fetchall()
        assert len(columns) > 40
        for schema, table, column in columns:
            values = con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}"').fetchall()  # noqa: S608 - catalog names
            _assert_no_clear("\n".join(str(v[0]) for v in values))
        # carry-forward as for any row error: F2 keeps March's version, the CPR-named row is simply rejected
        snapshot = con.execute(
            "select c.forloeb_id, c.medarbejder_id, c.is_carried_forward from raw.courses c "
            "join raw.files f using (file_id) where f.original_name = '101_MOVE_forloeb_2026-04-30.csv' "
            "order by 1").fetchall()
        assert snapshot == [("F1", "M1", False), ("F2", "M1", True)]
        issues = con.execute("select f.file_type, i.column_name, i.value_masked from raw.validation_issues i "
                             "join raw.files f using (file_id) where i.code = 'cpr_in_text' order by 1, 2").fetchall()
    finally:
        con.close()
    assert issues == [
        ("courses", "forloeb_id", "610190-xxxx"), ("courses", "medarbejder_id", "610190-xxxx"),
        ("measurements", "redskab", "610190-xxxx"), ("milestones", "milepael", "borger 610190-xxxx"),
        ("registry", "pseudonym", "610190-xxxx"), ("sessions", "forloeb_id", "610190-xxxx"),
        ("targets", "maaltal", "610190-xxxx"),
    ]

