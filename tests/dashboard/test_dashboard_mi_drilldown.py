"""Fidelity drill-down isolation: a municipality sees only its own courses and caseworkers; analysts see
pseudonyms, never a municipality's ids. Comparable-municipality medians never pass on a hidden cell."""

from __future__ import annotations

import pytest
from dashboard_fixture import OTHER, OWN, build_test_warehouse

from dashboard import queries, store
from dashboard.viewer import AccessDenied, Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings

KOMMUNE = Viewer(role="kommune", kommunekode=OWN)
ANALYST = Viewer(role="analyst")
OWN_COURSE, OTHER_COURSE = "KBH-2026-001", "FRB-HEMMELIG-42"
OWN_WORKER, OTHER_WORKER = "KBH-SAGSBEH-1", "FRB-SAGSBEH-9"


@pytest.fixture
def drilldown(settings: Settings) -> Settings:
    build_test_warehouse(settings)
    con = warehouse.connect(settings)
    try:
        con.execute("""create or replace table marts.fidelity_by_course (kommunekode varchar, indsats varchar,
            forloeb_id varchar, rule_code varchar, rule_type varchar, label varchar, check_date date,
            is_passed boolean, guidance varchar)""")
        con.executemany("insert into marts.fidelity_by_course values (?, 'MOVE', ?, 'dosage', 'dosage', 'Dosis', "
                        "date '2026-03-10', ?, 'Tjek registreringen')",
                        [(OWN, OWN_COURSE, False), (OWN, "KBH-2026-002", True), (OTHER, OTHER_COURSE, False)])
        con.execute("create schema if not exists intermediate")
        con.execute("""create or replace table intermediate.int_fidelity__caseload (kommunekode varchar,
            indsats varchar, practitioner_id varchar, period_type varchar, period varchar, period_end date,
            rule_code varchar, rule_type varchar, active_courses integer, is_passed boolean)""")
        con.executemany("insert into intermediate.int_fidelity__caseload values (?, 'MOVE', ?, 'month', '2026-03', "
                        "date '2026-03-31', 'caseload', 'caseload', ?, ?)",
                        [(OWN, OWN_WORKER, 16, False), (OTHER, OTHER_WORKER, 9, True)])
        con.execute("""insert into catalog.fidelity_rules (indsats, rule_code, rule_type, label, guidance, max_value)
            select 'MOVE', 'caseload', 'caseload', 'Sagsstamme', 'Højst 15', 15
            where not exists (select 1 from catalog.fidelity_rules where indsats = 'MOVE' and rule_code = 'caseload')""")
    finally:
        con.close()
    warehouse.publish(settings)
    store.clear_caches()
    return settings


def test_municipality_sees_only_its_own_courses(drilldown: Settings) -> None:
    frame = queries.fidelity_courses(KOMMUNE, "MOVE", None, "dosage")
    assert set(frame["kommunekode"]) == {OWN}
    assert OWN_COURSE in frame["forloeb_id"].tolist()
    assert OTHER_COURSE not in frame.to_string()
    assert frame["is_passed"].tolist()[0] == False  # noqa: E712 - failed checks first
    with pytest.raises(AccessDenied):
        queries.fidelity_courses(KOMMUNE, "MOVE", OTHER, "dosage")
    with pytest.raises(AccessDenied):
        queries.fidelity_courses(KOMMUNE, "MOVE", "000", "dosage")


def test_municipality_sees_only_its_own_caseworkers(drilldown: Settings) -> None:
    frame = queries.caseloads(KOMMUNE, "MOVE", None, "month", "2026-03")
    assert frame["medarbejder"].tolist() == [OWN_WORKER]
    assert frame["active_courses"].tolist() == [16] and frame["max_caseload"].tolist() == [15]
    assert OTHER_WORKER not in frame.to_string()
    with pytest.raises(AccessDenied):
        queries.caseloads(KOMMUNE, "MOVE", OTHER, "month", "2026-03")


def test_analyst_sees_pseudonyms_only(drilldown: Settings) -> None:
    courses = queries.fidelity_courses(ANALYST, "MOVE", None, "dosage")
    assert "forloeb_id" not in courses and courses["forloeb_pseudonym"].str.match(r"^F-[0-9a-f]{12}$").all()
    assert not {OWN_COURSE, OTHER_COURSE} & set(courses["forloeb_pseudonym"])
    workers = queries.caseloads(ANALYST, "MOVE", None, "month", "2026-03")
    assert workers["medarbejder"].str.match(r"^M-[0-9a-f]{12}$").all()
    assert not {OWN_WORKER, OTHER_WORKER} & set(workers["medarbejder"])
    assert len(set(workers["medarbejder"])) == 2


def test_comparable_medians_leave_out_hidden_cells(drilldown: Settings) -> None:
    con = warehouse.connect(drilldown)
    try:  # four more municipalities of Region Hovedstaden; Gentofte's figure is suppressed
        con.executemany("insert into marts.indicators (kommunekode, indsats, period_type, period, indicator, "
                        "numerator, denominator, value, suppressed, quality) values (?, 'MOVE', 'month', '2026-01', "
                        "'completion_rate', ?, 10, ?, ?, 'god')",
                        [("151", 2, 0.2, False), ("153", 4, 0.4, False), ("155", 6, 0.6, False),
                         ("157", 9.9, 0.99, True)])
    finally:
        con.close()
    warehouse.publish(drilldown)
    store.clear_caches()
    frame = queries.comparable_medians(KOMMUNE, "MOVE", OWN, ("completion_rate",))
    # Region Hovedstaden with 100.000+ inhabitants has only Frederiksberg besides København: widened to the region
    region = frame[(frame["group"] == "region") & (frame["period"] == "2026-01")]
    # Frederiksberg's (147) fixture rate is suppressed too: the median is over 151, 153 and 155 only
    assert region["value"].tolist() == [pytest.approx(0.4)] and region["members"].tolist() == [3]
    assert region["group_label"].tolist() == ["Kommuner i Region Hovedstaden"]
    assert 0.99 not in frame["value"].tolist()
    assert frame[frame["period"] == "2026-02"].empty  # fewer than 3 visible municipalities: no median
    with pytest.raises(AccessDenied):
        queries.comparable_medians(KOMMUNE, "MOVE", OTHER, ("completion_rate",))
