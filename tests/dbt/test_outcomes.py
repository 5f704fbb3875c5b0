"""Outcome and implementation indicators (dbt, issue 5): targets, instruments, register follow-up, milestones.

Known rows go into raw.* and the catalog, one real `dbt build` runs for the module, and the tests
compare the marts with values computed by hand (the arithmetic is in the comments).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

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
]


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
