"""Indicator CSV (README "The indicator table") for analysts and the public, and the data-quality CSV."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from tests.export.conftest import Published, clear_cpr_hits
from udbredelse.export import export_indicators, export_quality, verify_audit
from udbredelse.export.audit import read_audit
from udbredelse.export.indicators import apply_public_suppression, read_indicator_csv
from udbredelse.export.published import EXPORT_COLUMNS, INDICATOR_COLUMNS
from udbredelse.settings import SettingsError

COUNT_COLUMNS = ("numerator", "denominator")


def _rows(path: Path) -> list[dict[str, str]]:
    """An RFC 4180 CSV (the quality export)."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _indicator_rows(path: Path) -> list[dict[str, str]]:
    """The indicator export: its first line names the audience; numbers with a decimal comma."""
    return read_indicator_csv(path.read_bytes())[1]


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _mart(pub: Published) -> pl.DataFrame:
    import duckdb

    con = duckdb.connect(str(pub.settings.published_path), read_only=True)
    try:
        return con.sql("select * from marts.indicators").pl()
    finally:
        con.close()


def test_analyst_export_has_exactly_the_section9_columns_and_blanks_nothing(pub: Published, out: Path) -> None:
    result = export_indicators(pub.settings, out / "ind.csv", audience="analyst")
    data = (out / "ind.csv").read_bytes()
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM: Danish Excel reads æøå
    first, header = data.decode("utf-8-sig").split("\r\n")[:2]
    assert first.startswith("Målgruppe: analytiker i Socialstyrelsen") and "må ikke offentliggøres" in first
    assert ";" not in first and first == result["first_line"]  # one cell in Excel
    assert header.split(";") == list(INDICATOR_COLUMNS) + ["provisional", "kommuner_delivered", "kommuner_reporting"]
    assert header.split(";") == list(EXPORT_COLUMNS)
    rows = _indicator_rows(out / "ind.csv")
    mart = _mart(pub)
    assert result["rows"] == len(rows) == mart.height
    # nothing blanked: every suppressed small count is still there for the analyst
    starts_101_feb = next(r for r in rows if (r["kommunekode"], r["period"], r["indicator"]) == ("101", "2026-02", "starts"))
    assert (starts_101_feb["numerator"], starts_101_feb["value"], starts_101_feb["suppressed"]) == ("3", "3", "true")
    # the analyst sees which cells the public policy hides, and how: "<5" (primary) or "skjult" (secondary)
    assert starts_101_feb["suppression"] == "primary"
    interrupted = next(r for r in rows if (r["kommunekode"], r["period"], r["indicator"])
                       == ("101", "2026-02", "ended_interrupted"))
    assert (interrupted["value"], interrupted["suppression"]) == ("6", "secondary")
    assert sum(r["value"] != "" for r in rows) == mart["value"].is_not_null().sum()
    # numbers as Danish Excel reads them: decimal comma, never a decimal point
    assert any("," in r["value"] for r in rows)
    assert not any("." in r[c] for r in rows for c in ("numerator", "denominator", "value"))
    # zero denominator: empty value (as the mart has it)
    zero = next(r for r in rows if r["period"] == "2026-Q1" and r["indicator"] == "completion_rate")
    assert (zero["denominator"], zero["value"]) == ("0", "")
    # deterministic order: kommunekode, indsats, period type (month, quarter, year), period, indicator
    order = {"month": 0, "quarter": 1, "year": 2}
    keys = [(r["kommunekode"], r["indsats"], order[r["period_type"]], r["period"], r["indicator"]) for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["kommunekode"] == "000"  # national total first, leading zeros kept
    # a row outside the public grain: the analyst has it, marked
    outside = next(r for r in rows if r["indicator"] == "starts_age_ukendt")
    assert (outside["value"], outside["public"], outside["suppression"]) == ("12", "false", "not_public")


def test_public_export_blanks_suppressed_cells_and_keeps_the_rows(pub: Published, out: Path) -> None:
    result = export_indicators(pub.settings, out / "pub.csv", audience="public")
    first, rows = read_indicator_csv((out / "pub.csv").read_bytes())
    assert first.startswith("Målgruppe: offentlig.") and "grænse 5" in first and "1–4" in first
    mart = _mart(pub)
    # the public table's rows are kept (hidden ones blank); rows outside its grain are not there at all
    assert len(rows) == mart.filter("public").height == mart.height - 1
    assert all(r["public"] == "true" for r in rows)
    assert not any(r["indicator"] == "starts_age_ukendt" for r in rows)
    suppressed = [r for r in rows if r["suppressed"] == "true"]
    assert suppressed and result["suppressed_rows"] == len(suppressed)
    for row in suppressed:
        assert (row["numerator"], row["denominator"], row["value"]) == ("", "", "")
    # no count between 1 and threshold-1 anywhere in the public file
    threshold = pub.settings.suppression_threshold
    for row in rows:
        for col in COUNT_COLUMNS:
            if row[col] != "":
                assert not 1 <= _number(row[col]) < threshold, row
        if row["denominator"] == "" and row["value"] != "":
            assert not 1 <= _number(row["value"]) < threshold, row
    # unsuppressed cells are published as they are
    nat = next(r for r in rows if (r["kommunekode"], r["period"], r["indicator"]) == ("000", "2026-03", "starts"))
    assert (nat["numerator"], nat["value"], nat["suppressed"]) == ("40", "40", "false")
    # a rate whose numerator is a small count (2 of 8) would reveal the hidden count: the export hides it too
    assert result["extra_suppressed_by_export"] == 2
    rate = next(r for r in rows if (r["kommunekode"], r["period"], r["indicator"]) == ("101", "2026-03", "completion_rate"))
    assert (rate["value"], rate["suppressed"]) == ("", "true")


def test_public_guard_only_adds_suppression() -> None:
    frame = pl.DataFrame({
        "kommunekode": ["101"] * 6, "indicator": ["starts", "starts", "rate", "median", "rate", "starts"],
        "numerator": [2.0, 12.0, 6.0, None, 10.0, 0.0], "denominator": [None, None, 30.0, 9.0, 12.0, None],
        "value": [2.0, 12.0, 0.2, 3.0, 10 / 12, 0.0], "suppressed": [False, True, False, False, False, False],
    })
    out, extra = apply_public_suppression(frame, threshold=5)
    assert extra == 2  # the count 2, and the rate 10/12 whose difference (2) is a small count
    assert out["suppressed"].to_list() == [True, True, False, False, True, False]
    # a median of 3 days over 9 courses is not a count; a zero count is shown
    assert out["value"].to_list() == [None, None, 0.2, 3.0, None, 0.0]
    assert out["numerator"].to_list() == [None, None, 6.0, None, None, 0.0]


def test_export_is_deterministic_and_audited(pub: Published, out: Path) -> None:
    first = export_indicators(pub.settings, out / "a.csv", audience="public")
    second = export_indicators(pub.settings, out / "b.csv", audience="public")
    assert (out / "a.csv").read_bytes() == (out / "b.csv").read_bytes()
    assert first["sha256"] == second["sha256"]
    events = [r for r in read_audit(pub.settings) if r["event"] == "export_indicators"]
    assert [e["audience"] for e in events] == ["public", "public"]
    assert events[0]["sha256"] == first["sha256"]
    assert verify_audit(pub.settings)


def test_quality_export(pub: Published, out: Path) -> None:
    result = export_quality(pub.settings, out / "dq.csv")
    rows = _rows(out / "dq.csv")
    assert result["rows"] == len(rows) == 3
    assert [(r["kommunekode"], r["indsats"]) for r in rows] == [("101", "EFEI"), ("101", "MOVE"), ("147", "CTI")]
    assert rows[2]["quality_badge"] == "svag" and rows[1]["score"] == "91.5"
    assert any(r["event"] == "export_quality" for r in read_audit(pub.settings))


def test_no_clear_cpr_in_indicator_or_quality_exports(pub: Published, out: Path) -> None:
    export_indicators(pub.settings, out / "a.csv", audience="analyst")
    export_quality(pub.settings, out / "q.csv")
    for name in ("a.csv", "q.csv"):
        assert clear_cpr_hits((out / name).read_bytes(), pub.cprs) == []


def test_missing_published_copy_gives_a_danish_error(settings, out: Path) -> None:
    with pytest.raises(SettingsError, match="publiceret kopi"):
        export_indicators(settings, out / "x.csv")
    with pytest.raises(SettingsError, match="analyst"):
        export_indicators(settings, out / "x.csv", audience="alle")  # type: ignore[arg-type]


def test_public_guard_on_projections() -> None:
    # a year-end projection is a scaled count: 1.5 projected starts reveals a small count; 151.5 of 153 does not
    frame = pl.DataFrame({
        "kommunekode": ["101", "000"], "indicator": ["target_projection_year_end"] * 2,
        "numerator": [1.5, 151.5], "denominator": [100.0, 153.0], "value": [0.015, 151.5 / 153],
        "suppressed": [False, False],
    })
    out, extra = apply_public_suppression(frame, threshold=5)
    assert extra == 1
    assert out["suppressed"].to_list() == [True, False]
    assert out["value"].to_list() == [None, 151.5 / 153]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (Debian) is not installed")
def test_libreoffice_in_danish_reads_the_indicator_export(pub: Published, out: Path) -> None:
    """LibreOffice Calc opening the analyst file as a Danish user would (da-DK, `;`): the first cell names the
    audience, the header is on line 2, rates are numbers (not text), the public policy's mark is there."""
    import openpyxl

    export_indicators(pub.settings, out / "indikatorer_analytiker.csv", audience="analyst")
    # CSV filter: separator 59 (;), quote 34 ("), UTF-8 (76), from line 1, kommunekode and period as text
    # (columns 1 and 4, type 2), language 1030 (da-DK: decimal comma)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{out}/lo", "--convert-to", "xlsx",
         "--infilter=CSV:59,34,76,1,1/2/4/2,1030", "--outdir", str(out), str(out / "indikatorer_analytiker.csv")],
        check=True, capture_output=True, timeout=180,
    )
    sheet = openpyxl.load_workbook(out / "indikatorer_analytiker.xlsx").active
    assert str(sheet["A1"].value).startswith("Målgruppe: analytiker") and sheet["B1"].value is None
    assert [c.value for c in sheet[2]] == list(EXPORT_COLUMNS)
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    rates = [row for row in rows if row[6] and row[7] is not None]
    assert rates and all(isinstance(r[7], (int, float)) for r in rates)
    assert any(isinstance(r[7], float) and 0 < r[7] < 1 for r in rates)  # "0,25" read as 0.25, not as text
    assert {r[EXPORT_COLUMNS.index("suppression")] for r in rows} >= {"primary", "secondary"}
    assert sheet["A3"].value == "000"  # the national code keeps its zeros


@pytest.mark.parametrize("audience", ["analyst", "public"])
def test_indicator_exports_mark_provisional_periods_with_the_national_coverage(pub: Published, out: Path,
                                                                                audience: str) -> None:
    export_indicators(pub.settings, out / "ind.csv", audience=audience)  # type: ignore[arg-type]
    rows = _indicator_rows(out / "ind.csv")
    cell = {(r["kommunekode"], r["indsats"], r["period"], r["indicator"]): r for r in rows}
    # March: delivered by 1 of 2 reporting municipalities before its deadline (marts.period_coverage)
    national_march = cell[("000", "MOVE", "2026-03", "starts")]
    assert (national_march["provisional"], national_march["kommuner_delivered"],
            national_march["kommuner_reporting"]) == ("true", "1", "2")
    # a municipality's row of a provisional period is provisional too, without the national coverage count
    own_march = cell[("101", "MOVE", "2026-03", "starts")]
    assert (own_march["provisional"], own_march["kommuner_delivered"], own_march["kommuner_reporting"]) == (
        "true", "", "")
    # February is complete: 2 of 2
    national_feb = cell[("000", "MOVE", "2026-02", "starts")]
    assert (national_feb["provisional"], national_feb["kommuner_delivered"],
            national_feb["kommuner_reporting"]) == ("false", "2", "2")
    assert cell[("101", "MOVE", "2026", "starts")]["provisional"] == "true"  # the year holds March
    assert cell[("000", "CTI", "2026-Q1", "starts")]["provisional"] == "false"
    # every row says whether its period is provisional; only national rows carry the count
    assert {r["provisional"] for r in rows} == {"true", "false"}
    assert all((r["kommuner_delivered"] != "") == (r["kommunekode"] == "000") for r in rows)


def test_indicator_export_without_the_coverage_table_says_so_in_danish(pub: Published, out: Path) -> None:
    import duckdb

    con = duckdb.connect(str(pub.settings.published_path))
    try:
        con.execute("drop table marts.period_coverage")
    finally:
        con.close()
    with pytest.raises(SettingsError, match="period_coverage findes ikke"):
        export_indicators(pub.settings, out / "x.csv")


def test_public_file_keeps_the_policys_marks() -> None:
    """A small count the policy shows as "skjult" (rule 6 gave up its band so that a hidden partner keeps
    its range) stays "skjult" in the public file: recomputing "<5" from the value would publish the band
    the audit counted on not being there. Only a row the safety net adds gets its mark here."""
    frame = pl.DataFrame({
        "kommunekode": ["101", "147", "151"], "indsats": ["MOVE"] * 3, "period_type": ["year"] * 3,
        "period": ["2026"] * 3, "indicator": ["starts"] * 3, "numerator": [3.0, 9.0, 2.0],
        "denominator": [None, None, None], "value": [3.0, 9.0, 2.0], "suppressed": [True, True, False],
        "suppression": ["secondary", "secondary", None],
    }, schema_overrides={"denominator": pl.Float64})
    out, added = apply_public_suppression(frame, 5)
    assert added == 1  # the visible 2 breaks the primary rule: the safety net hides it, marked "<5"
    assert out["suppression"].to_list() == ["secondary", "secondary", "primary"]
    assert out["value"].to_list() == [None, None, None]
