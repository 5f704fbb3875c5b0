"""Management report per municipality: own figures in full, national figures suppressed, no formulas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.export.conftest import Published, clear_cpr_hits, exported_bytes
from udbredelse.export import export_management_report
from udbredelse.export.audit import read_audit
from udbredelse.settings import SettingsError


def _sheet_rows(ws) -> list[tuple]:
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]


def test_report_for_one_municipality(pub: Published, out: Path) -> None:
    result = export_management_report(pub.settings, out, kommune="101")
    path = Path(result["path"])
    assert path.name == "ledelsesrapport_101.xlsx" and result["interventions"] == ["MOVE"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Oversigt", "Udvikling MOVE", "Fidelitet", "Datakvalitet", "Kommunens indikatorer",
                             "Hele landet", "Om rapporten"]

    overview = _sheet_rows(wb["Oversigt"])
    assert "København" in overview[0][0]
    header = overview[2]
    assert header[:4] == ("Indsats", "Periode", "Indikator", "Kommunen: værdi")
    kpis = {row[2]: row for row in overview[3:] if row[0] == "MOVE"}
    assert kpis["Opstartede forløb"][1] == "2026-03 (måned)"  # the latest period in MOVE's monthly rhythm
    assert kpis["Opstartede forløb"][3] == 12 and kpis["Opstartede forløb"][6] == 40
    # the municipality's own small, suppressed count is shown in full; the national one is hidden
    assert kpis["Gennemførte forløb"][3] == 2
    assert kpis["Gennemførte forløb"][6] is None and kpis["Gennemførte forløb"][7] is True
    assert any(row[:2] == ("MOVE", "god") for row in overview)  # data-quality badge

    series = _sheet_rows(wb["Udvikling MOVE"])
    assert series[0][0] == "Periode" and [r[0] for r in series[1:]] == ["2026-02", "2026-03"]
    assert [r[1] for r in series[1:]] == [3, 12]  # own starts, including the small February count

    fidelity = _sheet_rows(wb["Fidelitet"])
    assert fidelity[0][-1].startswith("Hvad betyder det")
    assert {r[2]: r[7] for r in fidelity[1:]} == {"dosage": "rød", "ungmap": "grøn"}
    assert all(r[8] for r in fidelity[1:])  # guidance text present

    quality = _sheet_rows(wb["Datakvalitet"])
    assert quality[0] == ("Kommunekode", "Indsats", "Datakvalitetsscore (0-100)", "Datakvalitet", "Rettidighed",
                          "Fuldstændighed", "Sene perioder")
    assert [r[:4] for r in quality[1:]] == [("101", "EFEI", 80, "god"), ("101", "MOVE", 91.5, "god")]

    own = _sheet_rows(wb["Kommunens indikatorer"])
    assert {r[0] for r in own[1:]} == {"101"}  # only the municipality's own rows (no other kommune)
    assert len(own) - 1 == 15  # its own rows in full, the one outside the public grain too

    national = _sheet_rows(wb["Hele landet"])
    assert {r[0] for r in national[1:]} == {"000"}
    for row in national[1:]:
        if row[9] is True:  # suppressed
            assert row[6] is None and row[7] is None and row[8] is None
        for value in (row[6], row[7]):
            assert value is None or not 1 <= value < pub.settings.suppression_threshold

    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())  # a native chart
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name)
    assert clear_cpr_hits(exported_bytes(path), pub.cprs) == []
    assert any(r["event"] == "export_management_report" and r["kommune"] == "101" for r in read_audit(pub.settings))


def test_report_accepts_an_xlsx_path_and_unpadded_code(pub: Published, out: Path) -> None:
    result = export_management_report(pub.settings, out / "rapport.xlsx", kommune="147")
    assert result["path"].endswith("rapport.xlsx") and result["kommune"] == "147"
    wb = openpyxl.load_workbook(result["path"])
    assert "Udvikling CTI" in wb.sheetnames
    series = _sheet_rows(wb["Udvikling CTI"])
    assert [r[0] for r in series[1:]] == ["2026-Q1"]  # CTI reports quarterly


@pytest.mark.parametrize("kommune", [None, "", "999", "abc"])
def test_report_refuses_unknown_municipality(pub: Published, out: Path, kommune: str | None) -> None:
    with pytest.raises(SettingsError, match="ommune"):
        export_management_report(pub.settings, out, kommune=kommune)
