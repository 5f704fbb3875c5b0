"""The management report offered on Overblik: numeric cells with Danish number formats, Danish sheet names."""

from __future__ import annotations

import openpyxl
from dashboard_fixture import OWN, login, page

from udbredelse.export.report import export_management_report
from udbredelse.settings import Settings


def test_report_cells_are_numbers_with_danish_formats(published: Settings, tmp_path) -> None:
    result = export_management_report(published, tmp_path, kommune=OWN)
    book = openpyxl.load_workbook(result["path"])
    assert book.sheetnames[0] == "Oversigt" and "Fidelitet" in book.sheetnames and "data" not in book.sheetnames
    sheet = book["Oversigt"]
    header = [c.value for c in sheet[4]]
    value_col = header.index("Kommunen: værdi") + 1
    rows = list(sheet.iter_rows(min_row=5, max_row=sheet.max_row))
    values = {r[2].value: r[value_col - 1] for r in rows if r[2].value}
    rate = values["Gennemførelsesrate"]
    assert isinstance(rate.value, float) and rate.number_format == "0 %"  # Danish Excel shows 80 %
    count = values["Aktive forløb ved periodens slutning"]  # the name from marts.indicator_definitions
    assert isinstance(count.value, (int, float)) and count.number_format == "#,##0"  # shows 1.234


def test_municipality_gets_the_report_button_on_overblik(published: Settings) -> None:
    at = page(login("kommune", OWN), "overblik")
    assert not at.exception, at.exception
    buttons = [b for b in at.get("download_button") if "ledelsesrapport" in str(b.proto.label).lower()]
    assert buttons, "no report download on Overblik"
    analyst = page(login("analyst"), "overblik")
    assert not [b for b in analyst.get("download_button") if "ledelsesrapport" in str(b.proto.label).lower()]
