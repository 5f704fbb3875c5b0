"""Provisional periods on the dashboard (issue 21), through Streamlit's AppTest on the test warehouse:
MOVE's March is delivered by 1 of the 2 reporting municipalities before its deadline (marts.period_coverage)."""

from __future__ import annotations

import duckdb
import pytest
from dashboard_fixture import MONTHS, login, page, rendered_text, table_with

from udbredelse import warehouse
from udbredelse.settings import Settings


@pytest.fixture
def provisional_march(published: Settings) -> Settings:
    con = duckdb.connect(str(published.warehouse_path))
    try:
        con.execute("update marts.period_coverage set kommuner_delivered = 1, provisional = true "
                    "where indsats = 'MOVE' and period in ('2026-03', '2026-Q1', '2026')")
    finally:
        con.close()
    warehouse.publish(published)
    return published


def test_nationalt_defaults_to_the_last_complete_month_and_marks_the_provisional_one(
        provisional_march: Settings) -> None:
    at = page(login("analyst"), "nationalt")
    at.selectbox(key="nat_indicator").set_value("starts").run()
    at.button_group(key="nat_periode").set_value("month").run()
    assert not at.exception, at.exception
    matrix = table_with(at, "kommunenavn")
    # MOVE's latest complete month is February; CTI's March is complete
    assert "MOVE (2026-02)" in matrix.columns and "CTI (2026-03)" in matrix.columns
    text = rendered_text(at)
    assert "Hele landet dækker CTI marts 2026: 2 af 2 kommuner; MOVE februar 2026: 2 af 2 kommuner" in text
    # the trend shows March, marked as provisional with its coverage
    assert "Ring om punktet: foreløbig periode (MOVE marts 2026: 1 af 2 kommuner)" in text
    charts = [chart.proto.SerializeToString() for chart in at.get("vega_lite_chart")]
    # the trend chart rings the provisional point, with the legend "foreløbig"
    assert any(b"datum.provisional" in c and b"periodestatus" in c and b"'forel\\u00f8big'" in c for c in charts)
    # the funnel of the year (which holds March) says so too
    assert any("MOVE 2026 (foreløbig) · 1 af 2 kommuner".encode() in c for c in charts)


def test_a_complete_warehouse_marks_nothing(published: Settings) -> None:
    at = page(login("analyst"), "nationalt")
    at.selectbox(key="nat_indicator").set_value("starts").run()
    at.button_group(key="nat_periode").set_value("month").run()
    matrix = table_with(at, "kommunenavn")
    assert f"MOVE ({MONTHS[-1]})" in matrix.columns
    text = rendered_text(at)
    assert "Ring om punktet" not in text and "2 af 2 kommuner" in text
    assert not any(b"datum.provisional" in chart.proto.SerializeToString() for chart in at.get("vega_lite_chart"))


def test_municipality_sees_the_provisional_mark_on_the_national_line(provisional_march: Settings) -> None:
    at = page(login("kommune", "101"), "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.button_group(key="overblik_periode").set_value("month").run()
    assert not at.exception, at.exception
    assert any("Ring om et punkt på landslinjen: foreløbig måned" in c.value for c in at.caption)
    # the municipality's own figures of March are its own delivery, complete for itself: not marked
    assert at.subheader[0].value.endswith("marts 2026")
    assert any(m.value == "#### Fra henvisning til afslutning (2026)" for m in at.markdown)
    charts = [chart.proto.SerializeToString() for chart in at.get("vega_lite_chart")]
    assert any(b"datum.provisional" in c and "(foreløbig: 1 af 2 kommuner)".encode() in c for c in charts)
    # the comparison with the nation (the municipality's March) says the national column is provisional
    assert any(c.value == "Periode: marts 2026 – landstallet er foreløbigt: hele landet dækker 1 af 2 kommuner, "
                          "og fristen er ikke overskredet" for c in at.caption)


def test_analyst_national_overblik_defaults_to_the_last_complete_month(provisional_march: Settings) -> None:
    at = page(login("analyst"), "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.button_group(key="overblik_periode").set_value("month").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value.endswith("februar 2026")
    # the year (which holds March) is provisional: the national funnel says so
    assert any(m.value == "#### Fra henvisning til afslutning (2026, foreløbig)" for m in at.markdown)
    assert any(c.value == "Hele landet dækker 2 af 2 kommuner i perioden." for c in at.caption)
