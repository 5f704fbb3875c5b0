"""A small warehouse with known rows in raw.*, built once per test module with the real dbt build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from udbredelse import warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.settings import Settings, get_settings

FILES = [
    # file_id, kommunekode, indsats, file_type, reporting_date, status, received_at
    ("c101_feb", "101", "MOVE", "courses", "2026-02-28", "accepted", "2026-03-02 09:00:00"),
    ("c101_mar", "101", "MOVE", "courses", "2026-03-31", "partial", "2026-04-03 09:00:00"),
    ("c101_apr_rejected", "101", "MOVE", "courses", "2026-04-30", "rejected", "2026-05-02 09:00:00"),
    ("c147_mar", "147", "MOVE", "courses", "2026-03-31", "accepted", "2026-04-02 09:00:00"),
    ("s101_mar", "101", "MOVE", "sessions", "2026-03-31", "accepted", "2026-04-03 09:00:00"),
    ("m101_mar", "101", "MOVE", "measurements", "2026-03-31", "accepted", "2026-04-03 09:00:00"),
    ("t101", "101", "MOVE", "targets", "2026-01-15", "accepted", "2026-01-15 09:00:00"),
]

COURSE_COLUMNS = (
    "file_id, row_number, kommunekode, indsats, reporting_date, forloeb_id, person_id, sex, age_at_start, "
    "henvisningsdato, henvisningsaarsag, status, startdato, slutdato, afslutningsaarsag, antal_sessioner, "
    "medarbejder_id, is_carried_forward"
)
COURSES = [
    # the earlier snapshot of 101: replaced by c101_mar, so 'gone' must not count anywhere
    ("c101_feb", 2, "101", "MOVE", "2026-02-28", "gone", "p_gone", "M", 16, "2026-01-02", "rusmiddel", "i_gang",
     "2026-01-05", None, None, 2, "m1", False),
    ("c101_feb", 3, "101", "MOVE", "2026-02-28", "a", "p_a", "M", 16, "2026-01-05", "rusmiddel", "i_gang",
     "2026-01-10", None, None, 6, "m1", False),
    # the current snapshot of 101 (reporting date 2026-03-31)
    ("c101_mar", 2, "101", "MOVE", "2026-03-31", "a", "p_a", "M", 16, "2026-01-05", "rusmiddel", "gennemfoert",
     "2026-01-10", "2026-03-31", None, 12, "m1", False),
    ("c101_mar", 3, "101", "MOVE", "2026-03-31", "b", "p_b", "K", 17, None, "anden", "i_gang",
     "2026-02-01", None, None, 3, "m1", False),
    ("c101_mar", 4, "101", "MOVE", "2026-03-31", "c", "p_c", "K", 19, "2026-02-10", "adfaerd", "afbrudt",
     "2026-02-12", "2026-03-01", "udeblevet", 2, "m2", False),
    ("c101_mar", 5, "101", "MOVE", "2026-03-31", "d", "p_d", "M", 15, "2026-01-20", "rusmiddel", "gennemfoert",
     "2026-01-25", "2026-02-28", None, 9, "m2", True),
    ("c101_mar", 6, "101", "MOVE", "2026-03-31", "e", "p_e", "K", 16, "2026-03-05", "rusmiddel", "henvist",
     None, None, None, 0, None, False),
    ("c101_mar", 7, "101", "MOVE", "2026-03-31", "f", "p_f", "M", 18, "2025-04-20", "rusmiddel", "i_gang",
     "2025-05-01", None, None, 20, "m1", False),
    # 147 (reporting date 2026-03-31)
    ("c147_mar", 2, "147", "MOVE", "2026-03-31", "x", "p_x", "M", 16, "2026-01-02", "rusmiddel", "i_gang",
     "2026-01-03", None, None, 4, None, False),
    ("c147_mar", 3, "147", "MOVE", "2026-03-31", "y", "p_y", "K", 17, "2026-01-10", "adfaerd", "gennemfoert",
     "2026-01-20", "2026-03-15", None, 12, None, False),
]
COURSE_ITEMS = [
    ("c101_mar", "a", "ungmap_screening", True),
    ("c101_mar", "b", "ungmap_screening", False),
    ("c101_mar", "c", "ungmap_screening", True),
    ("c101_mar", "d", "ungmap_screening", True),
    ("c101_mar", "f", "ungmap_screening", True),
]
SESSIONS = [  # course a: 3 sessions in its first 30 days; b: 1
    ("s101_mar", 2, "101", "MOVE", "a", "2026-01-10"),
    ("s101_mar", 3, "101", "MOVE", "a", "2026-01-20"),
    ("s101_mar", 4, "101", "MOVE", "a", "2026-02-05"),
    ("s101_mar", 5, "101", "MOVE", "b", "2026-02-03"),
]
MEASUREMENTS = [  # a measured at start and end; d only at start
    ("m101_mar", 2, "101", "MOVE", "a", "ungmap_score", "start", "2026-01-10", 60.0),
    ("m101_mar", 3, "101", "MOVE", "a", "ungmap_score", "slut", "2026-03-31", 40.0),
    ("m101_mar", 4, "101", "MOVE", "d", "ungmap_score", "start", "2026-01-25", 55.0),
]
TARGETS = [("t101", 2, "101", "MOVE", 2026, 10)]


def load_known_rows(settings: Settings) -> None:
    con = warehouse.connect(settings)
    try:
        write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        con.executemany(
            "insert into raw.files (file_id, kommunekode, indsats, file_type, reporting_date, status, received_at) "
            "values (?, ?, ?, ?, ?, ?, ?)", FILES)
        con.executemany(f"insert into raw.courses ({COURSE_COLUMNS}) values ({', '.join('?' * 18)})", COURSES)  # noqa: S608 - constant column list
        con.executemany("insert into raw.course_items values (?, ?, ?, ?)", COURSE_ITEMS)
        con.executemany("insert into raw.sessions values (?, ?, ?, ?, ?, ?)", SESSIONS)
        con.executemany("insert into raw.measurements values (?, ?, ?, ?, ?, ?, ?, ?, ?)", MEASUREMENTS)
        con.executemany("insert into raw.targets values (?, ?, ?, ?, ?, ?)", TARGETS)
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict, duckdb.DuckDBPyConnection]]:
    """Settings, the build summary and a read-only connection to the built warehouse (one dbt build per module)."""
    from udbredelse.transform import run_dbt_build

    home: Path = tmp_path_factory.mktemp("dbt_home")
    settings = get_settings(home=home, mode="demo")
    settings.ensure_dirs()
    load_known_rows(settings)
    summary = run_dbt_build(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        yield settings, summary, con
    finally:
        con.close()
