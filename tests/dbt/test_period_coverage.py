"""Provisional periods (issue 21): marts.period_coverage built by the real dbt build on the known rows.

The known rows (tests/dbt/conftest.py) have 101 and 147 reporting MOVE up to March 2026. Here a third
municipality (151) delivers April first: April is provisional nationally, covering 1 of 3 municipalities,
until the others have delivered it or its deadline (30-04 + 15 days) has passed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import COURSE_COLUMNS, load_known_rows
from udbredelse import warehouse
from udbredelse.settings import get_settings
from udbredelse.transform import run_dbt_build

APRIL_151 = [
    ("c151_apr", "151", "MOVE", "courses", "2026-04-30", "accepted", "2026-05-03 09:00:00"),
]
COURSES_151 = [
    ("c151_apr", 2, "151", "MOVE", "2026-04-30", "k1", "p_k1", "M", 16, "2026-02-01", "rusmiddel", "i_gang",
     "2026-02-10", None, None, 3, None, False),
    ("c151_apr", 3, "151", "MOVE", "2026-04-30", "k2", "p_k2", "K", 17, "2026-04-01", "rusmiddel", "i_gang",
     "2026-04-08", None, None, 1, None, False),
]
# 151 and 157 set a target (måltal) for 2026; 157 has never sent a course file
TARGET_FILES = [
    ("t151", "151", "MOVE", "targets", "2026-01-20", "accepted", "2026-01-20 09:00:00"),
    ("t157", "157", "MOVE", "targets", "2026-01-20", "accepted", "2026-01-20 10:00:00"),
]
TARGETS = [("t151", 2, "151", "MOVE", 2026, 8), ("t157", 2, "157", "MOVE", 2026, 6)]
# CTI reports by quarter: 147 delivered the first quarter; the calendar runs on to April (MOVE's latest)
CTI_Q1 = [("c147_cti_q1", "147", "CTI", "courses", "2026-03-31", "accepted", "2026-04-10 09:00:00")]
COURSES_CTI = [
    ("c147_cti_q1", 2, "147", "CTI", "2026-03-31", "z", "p_z", "K", 40, "2026-01-05", "anden", "i_gang",
     "2026-01-12", None, None, 5, None, False),
]
APRIL_OTHERS = [
    ("c101_apr", "101", "MOVE", "courses", "2026-04-30", "accepted", "2026-05-04 09:00:00"),
    ("c147_apr", "147", "MOVE", "courses", "2026-04-30", "accepted", "2026-05-05 09:00:00"),
]
COURSES_OTHERS = [
    ("c101_apr", 2, "101", "MOVE", "2026-04-30", "a", "p_a", "M", 16, "2026-01-05", "rusmiddel", "gennemfoert",
     "2026-01-10", "2026-03-31", None, 12, "m1", False),
    ("c147_apr", 2, "147", "MOVE", "2026-04-30", "x", "p_x", "M", 16, "2026-01-02", "rusmiddel", "i_gang",
     "2026-01-03", None, None, 4, None, False),
]


def _coverage(home: Path, files: list[tuple], courses: list[tuple], dbt_vars: dict | None = None,
              targets: list[tuple] = ()) -> dict:
    settings = get_settings(home=home, mode="demo")
    settings.ensure_dirs()
    load_known_rows(settings)
    con = warehouse.connect(settings)
    try:
        con.executemany(
            "insert into raw.files (file_id, kommunekode, indsats, file_type, reporting_date, status, received_at) "
            "values (?, ?, ?, ?, ?, ?, ?)", files)
        con.executemany(f"insert into raw.courses ({COURSE_COLUMNS}) values ({', '.join('?' * 18)})", courses)  # noqa: S608 - constant column list
        if targets:
            con.executemany("insert into raw.targets values (?, ?, ?, ?, ?, ?)", targets)
    finally:
        con.close()
    run_dbt_build(settings, select="+period_coverage +int_reporting_periods", dbt_vars=dbt_vars)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.sql("select period_type, period, kommuner_reporting, kommuner_delivered, deadline, provisional "
                       "from marts.period_coverage where indsats = 'MOVE'").fetchall()
        cti = con.sql("select period_type, period, kommuner_reporting, kommuner_delivered, deadline, provisional "
                      "from marts.period_coverage where indsats = 'CTI' order by period_type, period").fetchall()
        pooled = con.sql("select period, count(*) from intermediate.int_reporting_periods "
                         "where indsats = 'MOVE' and period_type = 'month' group by period").fetchall()
    finally:
        con.close()
    coverage = {(r[0], r[1]): {"reporting": r[2], "delivered": r[3], "deadline": str(r[4]), "provisional": r[5]}
                for r in rows}
    return {"coverage": coverage, "pooled": dict(pooled),
            "cti": [(r[0], r[1], r[2], r[3], str(r[4]), r[5]) for r in cti]}


@pytest.fixture(scope="module")
def one_delivered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _coverage(tmp_path_factory.mktemp("cov_one"), APRIL_151 + TARGET_FILES + CTI_Q1, COURSES_151 + COURSES_CTI,
                     targets=TARGETS)


def test_a_month_one_municipality_delivered_is_provisional_with_its_coverage(one_delivered: dict) -> None:
    cov = one_delivered["coverage"]
    # April: 151 delivered on 03-05; 101 (its April file was rejected), 147 and 157 not yet; due 15-05
    assert cov[("month", "2026-04")] == {"reporting": 4, "delivered": 1, "deadline": "2026-05-15",
                                          "provisional": True}
    # the national April figure pools exactly the one municipality the coverage names
    assert one_delivered["pooled"]["2026-04"] == 1
    # March: every municipality with a course snapshot delivered it; 157 (a target, no courses) never did,
    # and the deadline has passed: final, covering 3 of 4
    assert cov[("month", "2026-03")] == {"reporting": 4, "delivered": 3, "deadline": "2026-04-15",
                                          "provisional": False}
    # 151 and 157 report from their target year: in January 151's snapshot (first course in February) covers
    # the month too; in 2025 only 101 reported
    assert (cov[("month", "2026-01")]["reporting"], cov[("month", "2026-01")]["delivered"]) == (4, 3)
    assert (cov[("month", "2025-12")]["reporting"], cov[("month", "2025-12")]["delivered"]) == (1, 1)
    # quarters and years are provisional when any of their months is
    assert cov[("quarter", "2026-Q2")]["provisional"] and cov[("year", "2026")]["provisional"]
    assert cov[("quarter", "2026-Q2")]["delivered"] == 1 and cov[("quarter", "2026-Q1")]["delivered"] == 3
    assert not cov[("quarter", "2026-Q1")]["provisional"] and not cov[("year", "2025")]["provisional"]
    # the last complete month, the national default, is March
    complete = sorted(p for (t, p), c in cov.items() if t == "month" and not c["provisional"])
    assert complete[-1] == "2026-03"


def test_not_provisional_once_all_have_delivered(tmp_path: Path) -> None:
    cov = _coverage(tmp_path, APRIL_151 + APRIL_OTHERS, COURSES_151 + COURSES_OTHERS)["coverage"]
    assert cov[("month", "2026-04")] == {"reporting": 3, "delivered": 3, "deadline": "2026-05-15",
                                          "provisional": False}
    assert not cov[("year", "2026")]["provisional"]


def test_not_provisional_once_the_deadline_has_passed(tmp_path: Path) -> None:
    # judged the day after the deadline: April is final, still covering 1 of 3 municipalities
    cov = _coverage(tmp_path, APRIL_151, COURSES_151, dbt_vars={"dq_as_of": "2026-05-16"})["coverage"]
    assert cov[("month", "2026-04")] == {"reporting": 3, "delivered": 1, "deadline": "2026-05-15",
                                          "provisional": False}
    # on the deadline day itself it is still provisional
    cov = _coverage(tmp_path / "due", APRIL_151, COURSES_151, dbt_vars={"dq_as_of": "2026-05-15"})["coverage"]
    assert cov[("month", "2026-04")]["provisional"]


def test_a_quarterly_intervention_is_judged_up_to_its_latest_delivery(one_delivered: dict) -> None:
    # CTI's months carry the quarter's deadline (31-03 + the catalog's deadline); April, which no municipality
    # has delivered for CTI, is in no national figure yet and makes neither a quarter nor the year provisional
    cti = one_delivered["cti"]
    assert [r[:2] for r in cti] == [("month", "2026-01"), ("month", "2026-02"), ("month", "2026-03"),
                                    ("quarter", "2026-Q1"), ("year", "2026")]
    assert all(r[2:4] == (1, 1) and not r[5] for r in cti), cti
    assert {r[4] for r in cti if r[0] == "month"} == {cti[3][4]}  # one deadline for the quarter's months
