"""Outcome and implementation indicators (dbt, issue 5): targets, instruments, register follow-up, milestones.

Known rows go into raw.* and the catalog, one real `dbt build` runs for the module, and the tests
compare the marts with values computed by hand (the arithmetic is in the comments).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from udbredelse import warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.settings import Settings

AS_OF = date(2026, 6, 30)

# raw.files: (file_id, kommunekode, indsats, file_type, reporting_date)
FILES = [
    ("c101move", "101", "MOVE", "courses", AS_OF),
    ("c101cti", "101", "CTI", "courses", AS_OF),
    ("c147move", "147", "MOVE", "courses", AS_OF),
    ("m101move_old", "101", "MOVE", "measurements", date(2025, 5, 31)),
    ("m101move", "101", "MOVE", "measurements", AS_OF),
    ("m101cti", "101", "CTI", "measurements", AS_OF),
    ("m147move", "147", "MOVE", "measurements", AS_OF),
    ("t101move_old", "101", "MOVE", "targets", date(2025, 12, 1)),
    ("t101move", "101", "MOVE", "targets", date(2026, 1, 15)),
    ("ms101move_old", "101", "MOVE", "milestones", date(2025, 3, 31)),
    ("ms101move", "101", "MOVE", "milestones", AS_OF),
    ("reg_old", None, None, "registry", date(2026, 4, 1)),
    ("reg", None, None, "registry", date(2026, 7, 1)),
    # NYIND: an intervention that exists only in this test's catalog (see nyind_catalog)
    ("c151nyind", "151", "NYIND", "courses", AS_OF),
    ("m151nyind", "151", "NYIND", "measurements", AS_OF),
    ("ms151nyind", "151", "NYIND", "milestones", AS_OF),
]

# raw.courses: (file_id, kommunekode, indsats, forloeb_id, person_id, status, startdato, slutdato)
COURSES = [
    ("c101move", "101", "MOVE", "c1", "p1", "gennemfoert", date(2025, 1, 10), date(2025, 6, 15)),
    ("c101move", "101", "MOVE", "c2", "p2", "gennemfoert", date(2025, 2, 1), date(2025, 6, 20)),
    ("c101move", "101", "MOVE", "c3", "p3", "gennemfoert", date(2025, 3, 1), date(2025, 6, 25)),
    ("c101move", "101", "MOVE", "c4", "p4", "gennemfoert", date(2025, 3, 5), date(2025, 6, 28)),
    ("c101move", "101", "MOVE", "c5", "p5", "afbrudt", date(2025, 4, 1), date(2025, 6, 10)),
    ("c101move", "101", "MOVE", "c7", "p7", "gennemfoert", date(2025, 1, 20), date(2025, 7, 5)),
    ("c101move", "101", "MOVE", "c6", "p6", "i_gang", date(2026, 2, 1), None),
    ("c101move", "101", "MOVE", "c11", "p11", "i_gang", date(2026, 3, 15), None),
    ("c101move", "101", "MOVE", "c12", "p12", "i_gang", date(2026, 5, 20), None),
    ("c101cti", "101", "CTI", "c8", "p8", "gennemfoert", date(2025, 1, 1), date(2025, 9, 30)),
    ("c101cti", "101", "CTI", "c9", "p9", "gennemfoert", date(2025, 1, 2), date(2025, 9, 29)),
    ("c147move", "147", "MOVE", "c10", "p10", "gennemfoert", date(2025, 1, 15), date(2025, 6, 5)),
    ("c151nyind", "151", "NYIND", "n1", "q1", "gennemfoert", date(2025, 2, 1), date(2025, 8, 31)),
    ("c151nyind", "151", "NYIND", "n2", "q2", "gennemfoert", date(2025, 3, 1), date(2025, 8, 15)),
]

# raw.measurements: (file_id, kommunekode, indsats, forloeb_id, redskab, tidspunkt, dato, score)
MEASUREMENTS = [
    # superseded by the newer file: c1's start is 60, not 99
    ("m101move_old", "101", "MOVE", "c1", "ungmap_score", "start", date(2025, 1, 10), 99.0),
    ("m101move", "101", "MOVE", "c1", "ungmap_score", "start", date(2025, 1, 10), 60.0),
    ("m101move", "101", "MOVE", "c1", "ungmap_score", "slut", date(2025, 6, 15), 40.0),  # improvement +20
    ("m101move", "101", "MOVE", "c2", "ungmap_score", "start", date(2025, 2, 1), 50.0),
    ("m101move", "101", "MOVE", "c2", "ungmap_score", "slut", date(2025, 6, 20), 55.0),  # -5: unchanged
    ("m101move", "101", "MOVE", "c3", "ungmap_score", "start", date(2025, 3, 1), 30.0),
    ("m101move", "101", "MOVE", "c3", "ungmap_score", "slut", date(2025, 6, 25), 42.0),  # -12: deteriorated
    ("m101move", "101", "MOVE", "c4", "ungmap_score", "start", date(2025, 3, 5), 30.0),
    ("m101move", "101", "MOVE", "c4", "ungmap_score", "slut", date(2025, 6, 28), 150.0),  # out of range
    ("m101move", "101", "MOVE", "c5", "ungmap_score", "start", date(2025, 4, 1), 70.0),  # interrupted
    ("m101move", "101", "MOVE", "c5", "ungmap_score", "slut", date(2025, 6, 10), 20.0),
    ("m101move", "101", "MOVE", "c7", "ungmap_score", "start", date(2025, 1, 20), 20.0),
    ("m101move", "101", "MOVE", "c7", "ungmap_score", "slut", date(2025, 7, 5), 12.0),  # +8 = threshold
    ("m101cti", "101", "CTI", "c8", "who5", "start", date(2025, 1, 1), 40.0),
    ("m101cti", "101", "CTI", "c8", "who5", "slut", date(2025, 9, 30), 55.0),  # higher is better: +15
    ("m101cti", "101", "CTI", "c9", "who5", "start", date(2025, 1, 2), 60.0),
    ("m101cti", "101", "CTI", "c9", "who5", "slut", date(2025, 9, 29), 45.0),  # -15
    ("m147move", "147", "MOVE", "c10", "ungmap_score", "start", date(2025, 1, 15), 70.0),
    ("m147move", "147", "MOVE", "c10", "ungmap_score", "slut", date(2025, 6, 5), 50.0),  # +20
    ("m151nyind", "151", "NYIND", "n1", "sdq", "start", date(2025, 2, 1), 20.0),
    ("m151nyind", "151", "NYIND", "n1", "sdq", "slut", date(2025, 8, 31), 15.0),  # lower is better: +5
    ("m151nyind", "151", "NYIND", "n2", "sdq", "start", date(2025, 3, 1), 10.0),
    ("m151nyind", "151", "NYIND", "n2", "sdq", "slut", date(2025, 8, 15), 12.0),  # -2: within 3
]

# raw.targets: (file_id, kommunekode, indsats, aar, maaltal)
TARGETS = [
    ("t101move_old", "101", "MOVE", 2026, 20),
    ("t101move", "101", "MOVE", 2026, 10),
]

# raw.milestones: (file_id, kommunekode, indsats, milepael, status, dato)
MILESTONES = [
    ("ms101move_old", "101", "MOVE", "implementeringsteam", "opfyldt", date(2025, 3, 1)),
    ("ms101move", "101", "MOVE", "maal_og_maalgruppe", "opfyldt", date(2025, 1, 1)),
    ("ms101move", "101", "MOVE", "ledelsesansvar", "opfyldt", date(2025, 4, 15)),
    ("ms101move", "101", "MOVE", "implementeringsteam", "i_gang", date(2025, 2, 1)),
    ("ms101move", "101", "MOVE", "ressourcer", "opfyldt", date(2025, 3, 20)),
    ("ms101move", "101", "MOVE", "faggrupper_uddannes", "opfyldt", date(2025, 2, 10)),
    ("ms101move", "101", "MOVE", "tovholder", "ikke_startet", date(2026, 6, 1)),
    ("ms151nyind", "151", "NYIND", "plan", "opfyldt", date(2025, 1, 15)),
]

# raw.registry: (file_id, person_id, periode, indikator, vaerdi)
REGISTRY = [
    ("reg", "p1", "2024-06", "i_uddannelse", 1.0),  # in p1's baseline window (2024-01..2024-12)
    ("reg", "p1", "2026-01", "i_uddannelse", 1.0),  # p1 at 12 months
    ("reg", "p2", "2024-05", "i_uddannelse", 0.0),
    ("reg", "p2", "2026-02", "i_uddannelse", 1.0),
    ("reg", "p3", "2023-12", "i_uddannelse", 1.0),  # before p3's baseline window (2024-03..2025-02)
    ("reg_old", "p3", "2026-03", "i_uddannelse", 1.0),  # corrected to 0 by the later extract
    ("reg", "p3", "2026-03", "i_uddannelse", 0.0),
    ("reg", "p5", "2025-03", "i_uddannelse", 1.0),  # last month before p5's start
    ("reg", "p5", "2026-04", "i_uddannelse", 0.0),
    ("reg", "p7", "2025-01", "beskaeftiget", 1.0),  # linked, but never i_uddannelse
    ("reg", "p6", "2025-08", "i_uddannelse", 1.0),  # 2026 cohort baseline
    ("reg", "p10", "2024-02", "i_uddannelse", 1.0),
    ("reg", "p10", "2026-06", "beskaeftiget", 0.0),  # latest registry month: 2026-06
    ("reg", "q1", "2024-05", "hjemloes", 1.0),
    ("reg", "q1", "2026-02", "hjemloes", 1.0),
    ("reg", "q2", "2026-03", "hjemloes", 0.0),
]


def nyind_catalog(folder: Path) -> Path:
    """The packaged catalog plus NYIND, a new intervention added as data only: its own instrument
    (lower is better), register indicator, success criterion and milestone list. No model names it."""
    shutil.copytree(Settings().catalog_path, folder)
    entry = yaml.safe_load((folder / "interventions" / "cti.yaml").read_text(encoding="utf-8"))
    entry.update(
        code="NYIND",
        name="Ny indsats (kun i testkataloget)",
        items=[],
        fidelity_rules=[],
        instruments=[{"code": "sdq", "label": "SDQ", "version": "1", "score_min": 0, "score_max": 40,
                      "higher_is_better": False, "points": ["start", "slut"], "reliable_change": 3}],
        success_criteria=[{"indicator": "instrument_deteriorated", "operator": "<=", "threshold": 0.2,
                           "label": "Højst 20 % forværres"}],
        register_indicators=["hjemloes"],
        milestones=[
            {"code": "plan", "factor": "ledelse", "phase": "forberede", "due_month": 1, "label": "Plan"},
            {"code": "drift", "factor": "organisering", "phase": "forankre", "due_month": 12, "label": "Drift"},
        ],
    )
    (folder / "interventions" / "nyind.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return folder


def seed_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the known rows above into an open warehouse (raw schema must exist)."""
    con.executemany(
        "insert into raw.files (file_id, kommunekode, indsats, file_type, reporting_date, status, received_at) "
        "values (?, ?, ?, ?, ?, 'accepted', cast(? as timestamp))",
        [(*row, row[4]) for row in FILES],
    )
    reporting = {row[0]: row[4] for row in FILES}
    con.executemany(
        "insert into raw.courses (file_id, row_number, kommunekode, indsats, reporting_date, forloeb_id, person_id, "
        "status, startdato, slutdato) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(f, i + 2, k, s, reporting[f], c, p, st, d0, d1) for i, (f, k, s, c, p, st, d0, d1) in enumerate(COURSES)],
    )
    con.executemany(
        "insert into raw.measurements (file_id, row_number, kommunekode, indsats, forloeb_id, redskab, tidspunkt, "
        "dato, score) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(row[0], i + 2, *row[1:]) for i, row in enumerate(MEASUREMENTS)],
    )
    con.executemany(
        "insert into raw.targets (file_id, row_number, kommunekode, indsats, aar, maaltal) values (?, ?, ?, ?, ?, ?)",
        [(row[0], i + 2, *row[1:]) for i, row in enumerate(TARGETS)],
    )
    con.executemany(
        "insert into raw.milestones (file_id, row_number, kommunekode, indsats, milepael, status, dato) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [(row[0], i + 2, *row[1:]) for i, row in enumerate(MILESTONES)],
    )
    con.executemany(
        "insert into raw.registry (file_id, row_number, person_id, periode, indikator, vaerdi) values (?, ?, ?, ?, ?, ?)",
        [(row[0], i + 2, *row[1:]) for i, row in enumerate(REGISTRY)],
    )


# ---- one real dbt build for the module ---------------------------------------------------------

SELECT = ["+int_indicators__outcomes", "+int_indicators__implementation", "+implementation_milestones",
          "+success_criteria_status", "+instrument_changes_by_course"]


@pytest.fixture(scope="module")
def warehouse_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from udbredelse.transform import run_dbt_build

    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in __import__("os").environ if n.startswith("UDBREDELSE_")]:
            mp.delenv(name)
        settings = Settings(home=tmp_path_factory.mktemp("outcomes_home"), mode="demo")
        settings.ensure_dirs()
        con = warehouse.connect(settings)
        try:
            write_catalog_tables(con, load_catalog(nyind_catalog(tmp_path_factory.mktemp("cat") / "catalog")),
                                 settings.suppression_threshold)
            seed_raw(con)
        finally:
            con.close()
        run_dbt_build(settings, select=SELECT)
    return settings.warehouse_path


@pytest.fixture(scope="module")
def db(warehouse_db: Path):
    # Same config as dbt-duckdb uses in-process (a read-only connection would clash if its instance is cached).
    con = duckdb.connect(str(warehouse_db))
    yield con
    con.close()


def indicator_rows(con: duckdb.DuckDBPyConnection, table: str, **where: str) -> dict[str, tuple]:
    """indicator -> (numerator, denominator, value) for one kommune x indsats x period."""
    rows = con.execute(
        f"select indicator, numerator, denominator, value from {table} "  # noqa: S608 - table names are constants
        "where kommunekode = ? and indsats = ? and period = ?",
        [where["kommunekode"], where["indsats"], where["period"]],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


OUTCOMES = "intermediate.int_indicators__outcomes"
IMPLEMENTATION = "intermediate.int_indicators__implementation"


# ---- instruments --------------------------------------------------------------------------------

def test_course_change_classes_respect_direction_and_latest_file(db: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        db.execute(
            "select course_id, (score_start, score_end, improvement, change_class) "
            "from intermediate.int_instrument_changes_classified"
        ).fetchall()
    )
    assert rows["c1"] == (60.0, 40.0, 20.0, "improved")  # 99 from the older file is superseded
    assert rows["c2"][3] == "unchanged"
    assert rows["c3"][3] == "deteriorated"
    assert rows["c7"][3] == "improved"  # exactly the reliable-change threshold
    assert rows["c4"] == (30.0, None, None, None)  # end score outside 0-100: not measured
    assert rows["c8"] == (40.0, 55.0, 15.0, "improved")  # WHO-5, higher is better
    assert rows["c9"] == (60.0, 45.0, -15.0, "deteriorated")
    assert rows["c6"] == (None, None, None, None)  # active, no measurements
    labels = dict(db.execute("select course_id, change_label from marts.instrument_changes_by_course").fetchall())
    assert labels["c1"] == "Pålideligt forbedret" and labels["c9"] == "Pålideligt forværret"
    assert labels["c4"] == "Ikke målt ved både start og slut"


def test_instrument_indicators_by_end_period(db: duckdb.DuckDBPyConnection) -> None:
    june = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2025-06")
    # completed courses ended in June: c1, c2, c3, c4 (c5 interrupted); c4 not measured
    assert june["instrument_measured_share"] == (3, 4, 0.75)
    assert june["instrument_reliably_improved"] == (1, 3, pytest.approx(1 / 3))
    assert june["instrument_unchanged"] == (1, 3, pytest.approx(1 / 3))
    assert june["instrument_deteriorated"] == (1, 3, pytest.approx(1 / 3))
    assert june["instrument_mean_change"] == (None, 3, pytest.approx((20 - 5 - 12) / 3))
    year = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2025")
    # plus c7 (ended July, +8)
    assert year["instrument_measured_share"] == (4, 5, 0.8)
    assert year["instrument_reliably_improved"] == (2, 4, 0.5)
    assert year["instrument_mean_change"][2] == pytest.approx((20 - 5 - 12 + 8) / 4)
    national = indicator_rows(db, OUTCOMES, kommunekode="000", indsats="MOVE", period="2025-06")
    # 147's c10 (+20, improved) joins 101's four courses
    assert national["instrument_measured_share"] == (4, 5, 0.8)
    assert national["instrument_reliably_improved"] == (2, 4, 0.5)
    empty = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2025-Q4")
    assert empty["instrument_reliably_improved"] == (0, 0, None)  # a reporting period without completed courses
    cti = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="CTI", period="2025-Q3")
    assert cti["instrument_reliably_improved"] == (1, 2, 0.5)
    assert cti["instrument_deteriorated"] == (1, 2, 0.5)


# ---- register follow-up -------------------------------------------------------------------------

def test_register_cohort_shares_only_for_passed_windows(db: duckdb.DuckDBPyConnection) -> None:
    cohort = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2025")
    # linked courses of the 2025 cohort: c1, c2, c3, c5, c7 (p4 has no registry rows)
    assert cohort["register_i_uddannelse_baseline"] == (2, 5, 0.4)  # p1 (2024-06), p5 (2025-03)
    assert cohort["register_i_uddannelse_12m"] == (2, 5, 0.4)  # p1, p2; p3's correction to 0 wins
    assert "register_i_uddannelse_24m" not in cohort  # 2025 + 24 months > 2026-06
    # catalog-driven: every register indicator of MOVE, none of other interventions
    codes = {k for k in cohort if k.startswith("register_")}
    assert codes == {f"register_{c}_{w}" for c in ("i_uddannelse", "beskaeftiget", "sigtet", "psykiatrisk_kontakt")
                     for w in ("baseline", "12m")}
    young = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2026")
    assert young["register_i_uddannelse_baseline"] == (1, 1, 1.0)  # only p6 linked
    assert not any(k.endswith("_12m") or k.endswith("_24m") for k in young)
    national = indicator_rows(db, OUTCOMES, kommunekode="000", indsats="MOVE", period="2025")
    assert national["register_i_uddannelse_baseline"] == (3, 6, 0.5)  # + p10 (2024-02)
    assert national["register_i_uddannelse_12m"] == (2, 6, pytest.approx(1 / 3))
    periods = {r[0] for r in db.execute(f"select distinct period_type from {OUTCOMES} where indicator like 'register_%'").fetchall()}  # noqa: S608
    assert periods == {"year"}


# ---- targets ------------------------------------------------------------------------------------

def test_target_projection_run_rate(db: duckdb.DuckDBPyConnection) -> None:
    march = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2026-03")
    # starts 2026-02-01 and 2026-03-15 by 31 March (day 90) -> 2 x 365 / 90 = 8.1111 of target 10
    assert march["target_projection_year_end"] == (pytest.approx(8.1111), 10, pytest.approx(0.81111))
    june = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2026-06")
    assert june["target_projection_year_end"][2] == pytest.approx(3 * 365 / 181 / 10, abs=1e-5)
    year = indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2026")
    assert year["target_year"] == (10, None, 10)  # the later targets file (10) replaces 20
    assert year["target_projection_year_end"][2] == pytest.approx(june["target_projection_year_end"][2])
    assert indicator_rows(db, OUTCOMES, kommunekode="101", indsats="MOVE", period="2026-07") == {}


# ---- implementation milestones ------------------------------------------------------------------

def test_milestone_shares_overdue_and_phase_days(db: duckdb.DuckDBPyConnection) -> None:
    march = indicator_rows(db, IMPLEMENTATION, kommunekode="101", indsats="MOVE", period="2025-03")
    # support start 2025-01-01 (first milestone met); by 31 March: maal, faggrupper, ressourcer met
    assert march["milestones_done_share"] == (3, 16, 0.1875)
    assert march["milestones_overdue"] == (1, None, 1)  # ledelsesansvar, due 2025-03-01, met 2025-04-15
    assert march["milestones_phase_days_forberede"] == (None, None, 89)
    april = indicator_rows(db, IMPLEMENTATION, kommunekode="101", indsats="MOVE", period="2025-04")
    assert april["milestones_done_share"] == (4, 16, 0.25)
    assert april["milestones_overdue"] == (1, None, 1)  # now implementeringsteam (due 2025-04-01)
    now = indicator_rows(db, IMPLEMENTATION, kommunekode="101", indsats="MOVE", period="2026-06")
    assert now["milestones_done_share_ledelse"] == (3, 6, 0.5)
    assert now["milestones_done_share_kompetencer"] == (1, 4, 0.25)
    assert now["milestones_done_share_organisering"] == (0, 6, 0)
    assert now["milestones_done_share_forberede"] == (4, 7, pytest.approx(4 / 7))
    assert now["milestones_done_share_forankre"] == (0, 2, 0)
    # 12 not met; all but forankringsplan (month 20) and drift_uden_stoette (month 24) are due
    assert now["milestones_overdue"] == (10, None, 10)
    assert now["milestones_phase_days_forberede"][2] == (AS_OF - date(2025, 1, 1)).days
    assert "milestones_phase_days_forandre" not in now
    national = indicator_rows(db, IMPLEMENTATION, kommunekode="000", indsats="MOVE", period="2026-06")
    assert national["milestones_done_share"] == (4, 16, 0.25)


def test_implementation_milestones_mart(db: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "select milestone_code, factor, phase, status, due_date, is_overdue, support_start_date "
            "from marts.implementation_milestones where kommunekode = '101' and indsats = 'MOVE'"
        ).fetchall()
    }
    assert len(rows) == 16
    assert rows["implementeringsteam"] == ("ledelse", "forberede", "i_gang", date(2025, 4, 1), True, date(2025, 1, 1))
    assert rows["ledelsesansvar"][3:5] == (date(2025, 3, 1), False)  # met, late
    assert rows["samarbejde_enheder"][2:5] == ("ikke_startet", date(2025, 7, 1), True)  # never reported
    assert rows["drift_uden_stoette"][3:5] == (date(2027, 1, 1), False)
    assert sum(r[4] for r in rows.values()) == 10  # = milestones_overdue at the as-of month
    others = db.execute(
        "select count(*) from marts.implementation_milestones where kommunekode not in ('101', '151')"
    ).fetchone()
    assert others == (0,)  # no milestones reported elsewhere: not in implementation support


# ---- success criteria and the common indicator table ---------------------------------------------

def test_success_criteria_status(db: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1], r[2]): r[3:]
        for r in db.execute(
            "select kommunekode, indsats, indicator, period, value, threshold, is_met from marts.success_criteria_status"
        ).fetchall()
    }
    assert rows[("101", "MOVE", "instrument_reliably_improved")] == ("2025", 0.5, 0.5, True)
    assert rows[("000", "MOVE", "instrument_reliably_improved")] == ("2025", 0.6, 0.5, True)
    assert rows[("101", "MOVE", "completion_rate")] == ("2025", pytest.approx(5 / 6), 0.6, True)
    assert ("101", "EFEI", "milestones_done_share") not in rows  # no EFEI data at all


def test_outcome_rows_reach_marts_indicators(db: duckdb.DuckDBPyConnection) -> None:
    mine = db.execute(
        f"select count(*) from (select * from {OUTCOMES} union all select * from {IMPLEMENTATION})"  # noqa: S608
    ).fetchone()[0]
    published = db.execute(
        "select count(*) from marts.indicators where indicator like 'instrument_%' or indicator like 'register_%' "
        "or indicator like 'target_projection%' or indicator = 'target_year' or indicator like 'milestones_%'"
    ).fetchone()[0]
    assert mine > 0 and published == mine
    suppressed = db.execute(
        "select suppressed from marts.indicators where kommunekode = '147' and indsats = 'MOVE' "
        "and period = '2025' and indicator = 'register_i_uddannelse_12m'"
    ).fetchone()
    assert suppressed == (True,)  # one person: hidden outside the municipality's own view


def test_a_new_catalog_entry_needs_no_code(db: duckdb.DuckDBPyConnection) -> None:
    year = indicator_rows(db, OUTCOMES, kommunekode="151", indsats="NYIND", period="2025")
    assert year["instrument_measured_share"] == (2, 2, 1.0)
    assert year["instrument_reliably_improved"] == (1, 2, 0.5)  # 20 -> 15 on a lower-is-better scale
    assert year["instrument_unchanged"] == (1, 2, 0.5)  # 10 -> 12, less than the threshold 3
    assert year["register_hjemloes_baseline"] == (1, 2, 0.5)
    assert year["register_hjemloes_12m"] == (1, 2, 0.5)
    assert not any(k.startswith("register_") and "hjemloes" not in k for k in year)
    now = indicator_rows(db, IMPLEMENTATION, kommunekode="151", indsats="NYIND", period="2026-06")
    # its own two milestones: plan met 2025-01-15 (= support start), drift due 2026-01-15 and open
    assert now["milestones_done_share"] == (1, 2, 0.5)
    assert now["milestones_overdue"] == (1, None, 1)
    codes = {r[0] for r in db.execute(
        "select milestone_code from marts.implementation_milestones where indsats = 'NYIND'").fetchall()}
    assert codes == {"plan", "drift"}
    met = db.execute(
        "select value, is_met from marts.success_criteria_status "
        "where kommunekode = '151' and indsats = 'NYIND' and indicator = 'instrument_deteriorated'"
    ).fetchone()
    assert met == (0.0, True)  # operator '<=': 0 deteriorated <= 0.2
