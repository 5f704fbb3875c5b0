"""A small published DuckDB with the marts' documented columns, raw course snapshots and a CPR vault.

FICTITIOUS CPR only (day + 60). Built directly at settings.published_path, so the exports read it
exactly as they read a real build's published copy.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from udbredelse import vault, warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.pseudonym import pseudonymise
from udbredelse.settings import Settings

# Fictitious CPR numbers: the day is 61-91, so none can be a real person.
CPRS = {
    "a": "6103091234",
    "b": "7211102345",
    "c": "8401853456",
    "d": "6512764567",
    "e": "9106995678",  # only in an old snapshot and a rejected file: must not be delivered
}
FREE_TEXT_ID = "Sag 17 =HYPERLINK(\"x\") Jens"  # a municipality's free-text course id: never delivered


@dataclass
class Published:
    settings: Settings
    person: dict[str, str]  # letter -> person_id
    cprs: dict[str, str]


FILES = [
    # file_id, kommunekode, indsats, reporting_date, status, received_at
    ("f_move_old", "101", "MOVE", dt.date(2026, 2, 28), "accepted", dt.datetime(2026, 3, 5, 8)),
    ("f_move_new", "101", "MOVE", dt.date(2026, 3, 31), "accepted", dt.datetime(2026, 4, 4, 8)),
    ("f_move_rej", "101", "MOVE", dt.date(2026, 4, 30), "rejected", dt.datetime(2026, 5, 2, 8)),
    ("f_cti", "147", "CTI", dt.date(2026, 3, 31), "partial", dt.datetime(2026, 4, 20, 8)),
    ("f_efei", "101", "EFEI", dt.date(2026, 3, 31), "accepted", dt.datetime(2026, 4, 3, 8)),
]


def _courses(person: dict[str, str], key_id: str) -> list[dict]:
    def row(file_id, k, i, rep, fid, who, status, start, end, reason, henv=None, aarsag="anden"):
        return {
            "file_id": file_id, "row_number": 2, "kommunekode": k, "indsats": i, "reporting_date": rep,
            "forloeb_id": fid, "person_id": person.get(who), "pseudonym_key_id": key_id if who else None,
            "sex": "K", "age_at_start": 16, "henvisningsdato": henv, "henvisningsaarsag": aarsag,
            "status": status, "startdato": start, "slutdato": end, "afslutningsaarsag": reason,
            "antal_sessioner": 5, "medarbejder_id": "m1", "is_carried_forward": False, "carried_from_file_id": None,
        }

    d = dt.date
    old, new, rej = d(2026, 2, 28), d(2026, 3, 31), d(2026, 4, 30)
    return [
        row("f_move_old", "101", "MOVE", old, "M-1", "a", "i_gang", d(2026, 1, 5), None, None),
        row("f_move_old", "101", "MOVE", old, "M-9", "e", "i_gang", d(2026, 1, 9), None, None),
        row("f_move_new", "101", "MOVE", new, "M-1", "a", "gennemfoert", d(2026, 1, 5), d(2026, 3, 20), None,
            d(2025, 12, 20)),
        row("f_move_new", "101", "MOVE", new, FREE_TEXT_ID, "b", "afbrudt", d(2026, 2, 1), d(2026, 3, 1), "udeblevet"),
        row("f_move_new", "101", "MOVE", new, "M-3", "a", "henvist", None, None, None, d(2026, 3, 25)),
        row("f_move_rej", "101", "MOVE", rej, "M-7", "e", "i_gang", d(2026, 4, 1), None, None),
        row("f_cti", "147", "CTI", new, "C-1", "c", "i_gang", d(2026, 1, 15), None, None, None, "udslusning_herberg"),
        row("f_cti", "147", "CTI", new, "C-2", "d", "afbrudt", d(2025, 11, 1), d(2026, 2, 1), "tilbage_i_hjemloeshed"),
        row("f_efei", "101", "EFEI", new, "E-1", None, "i_gang", d(2026, 1, 1), None, None),
    ]


def _indicators() -> pl.DataFrame:
    rows = []

    def add(k, i, pt, p, ind, num, den, val, sup, q="god", public=True):
        rows.append({"kommunekode": k, "indsats": i, "period_type": pt, "period": p, "indicator": ind,
                     "numerator": num, "denominator": den, "value": val, "public": public,
                     "suppressed": sup or not public,
                     # the honest mark the build writes (udbredelse.disclosure.suppression_kind; a row
                     # outside the public grain: 'not_public')
                     "suppression": "not_public" if not public else None if not sup else (
                         "primary" if den is None and val is not None and 1 <= val <= 4 else "secondary"),
                     "quality": q})

    for p, starts, nat_starts in (("2026-02", 3, 7), ("2026-03", 12, 40)):
        add("101", "MOVE", "month", p, "starts", starts, None, float(starts), starts < 5)
        add("101", "MOVE", "month", p, "active_end", 8, None, 8.0, False)
        add("101", "MOVE", "month", p, "ended_completed", 2, None, 2.0, True)
        add("101", "MOVE", "month", p, "ended_interrupted", 6, None, 6.0, True)  # secondary suppression
        add("101", "MOVE", "month", p, "completion_rate", 2, 8, 0.25, False)
        add("101", "MOVE", "month", p, "waiting_days_median", None, 12, 14.0, False)
        add("000", "MOVE", "month", p, "starts", nat_starts, None, float(nat_starts), False)
        add("000", "MOVE", "month", p, "ended_completed", 4, None, 4.0, True)
        add("000", "MOVE", "month", p, "completion_rate", 4, 9, 4 / 9, True)
    add("147", "CTI", "quarter", "2026-Q1", "starts", 1, None, 1.0, True, "svag")
    add("147", "CTI", "quarter", "2026-Q1", "active_end", 9, None, 9.0, False, "svag")
    add("000", "CTI", "quarter", "2026-Q1", "starts", 1, None, 1.0, True, "svag")
    add("101", "MOVE", "year", "2026", "starts", 15, None, 15.0, False)
    add("101", "MOVE", "quarter", "2026-Q1", "completion_rate", 0, 0, None, False)
    # outside the public table's grain (a category breakdown by month): analysts only
    add("101", "MOVE", "month", "2026-03", "starts_age_ukendt", 12, None, 12.0, False, public=False)
    return pl.DataFrame(rows, schema={
        "kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
        "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
        "public": pl.Boolean, "suppressed": pl.Boolean, "suppression": pl.Utf8, "quality": pl.Utf8,
    }).sample(fraction=1.0, shuffle=True, seed=7)  # stored unsorted: the export must sort


def _scorecard() -> pl.DataFrame:
    return pl.DataFrame({
        "kommunekode": ["147", "101", "101"], "indsats": ["CTI", "MOVE", "EFEI"],
        "score": [55.0, 91.5, 80.0], "quality_badge": ["svag", "god", "god"],
        "timeliness_score": [0.4, 1.0, 0.9], "completeness_score": [0.7, 0.95, 0.8],
        "periods_late": [3, 0, 1], "as_of_date": [dt.date(2026, 4, 30)] * 3,
    })


def _coverage() -> pl.DataFrame:
    """marts.period_coverage as the build writes it: MOVE's March delivered by 1 of 2 municipalities before
    its deadline (provisional), February by both; CTI's first quarter complete."""
    rows = [
        ("MOVE", "month", "2026-02", 2, 2, dt.date(2026, 3, 15), False),
        ("MOVE", "month", "2026-03", 2, 1, dt.date(2026, 4, 15), True),
        ("MOVE", "quarter", "2026-Q1", 2, 1, dt.date(2026, 4, 15), True),
        ("MOVE", "year", "2026", 2, 1, dt.date(2026, 4, 15), True),
        ("CTI", "quarter", "2026-Q1", 1, 1, dt.date(2026, 4, 15), False),
    ]
    return pl.DataFrame(
        [dict(zip(("indsats", "period_type", "period", "kommuner_reporting", "kommuner_delivered", "deadline",
                   "provisional"), r, strict=True)) | {"as_of_date": dt.date(2026, 4, 4)} for r in rows],
        schema_overrides={"kommuner_reporting": pl.Int32, "kommuner_delivered": pl.Int32},
    )


def _fidelity() -> pl.DataFrame:
    return pl.DataFrame({
        "kommunekode": ["101", "101", "147"], "indsats": ["MOVE", "MOVE", "CTI"],
        "period_type": ["month", "month", "quarter"], "period": ["2026-03", "2026-03", "2026-Q1"],
        "rule_code": ["dosage", "ungmap", "duration"],
        "label": ["10-14 sessioner", "UngMap-screening ved start", "Varighed 240-300 dage"],
        "guidance": ["For få sessioner betyder ofte ...", "Screen ved start ...", "CTI er tidsafgrænset ..."],
        "checked": [8, 8, 2], "passed": [5, 8, 1], "adherence": [0.625, 1.0, 0.5],
        "light": ["rød", "grøn", "rød"],
    })


def build_published(settings: Settings) -> Published:
    settings.ensure_dirs()
    key = settings.pseudonym_key_bytes
    person = {who: pseudonymise(cpr, key) for who, cpr in CPRS.items()}
    path = settings.published_path
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        warehouse.ensure_raw_schema(con)
        write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        files = pl.DataFrame(
            [{"file_id": f, "kommunekode": k, "indsats": i, "file_type": "courses", "reporting_date": r,
              "status": s, "received_at": t, "pseudonym_key_id": settings.pseudonym_key_id}
             for f, k, i, r, s, t in FILES]
        )
        con.register("files_df", files)
        con.execute("insert into raw.files by name select * from files_df")
        courses = pl.DataFrame(_courses(person, settings.pseudonym_key_id), infer_schema_length=None)
        con.register("courses_df", courses)
        con.execute("insert into raw.courses by name select * from courses_df")
        con.execute("create schema if not exists marts")
        # the indicators' Danish names, as the build writes them (the real dbt model, built once per session)
        from tests.dashboard.dashboard_fixture import _definitions_warehouse

        con.execute(f"attach '{_definitions_warehouse()}' as definitions (read_only)")
        con.execute("create table marts.indicator_definitions as select * from definitions.marts.indicator_definitions")
        con.execute("detach definitions")
        for name, frame in (("indicators", _indicators()), ("dq_scorecard", _scorecard()),
                            ("fidelity_rule_summary", _fidelity()), ("period_coverage", _coverage())):
            con.register("frame_df", frame)
            con.execute(f"create table marts.{name} as select * from frame_df")  # noqa: S608 - constant names
            con.unregister("frame_df")
    finally:
        con.close()
    vault.store(
        settings,
        pl.DataFrame({"person_id": list(person.values()), "cpr10": list(CPRS.values())}),
        file_id="f_move_old",
    )
    return Published(settings=settings, person=person, cprs=dict(CPRS))


@pytest.fixture
def pub(settings: Settings) -> Published:
    return build_published(settings)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


CPR_SHAPED = re.compile(rb"(?<![0-9A-Za-z])\d{6}-?\d{4}(?![0-9A-Za-z])")


def clear_cpr_hits(data: bytes, cprs: dict[str, str] | None = None) -> list[bytes]:
    """CPR-shaped tokens (with or without hyphen) and any of the fixture's CPR numbers found in `data`."""
    hits = CPR_SHAPED.findall(data)
    for cpr in (cprs or CPRS).values():
        for form in (cpr, f"{cpr[:6]}-{cpr[6:]}"):
            if form.encode() in data:
                hits.append(form.encode())
    return hits


def exported_bytes(path: Path) -> bytes:
    """A file's bytes; for XLSX (a zip) the concatenated bytes of every member, unzipped."""
    if path.suffix.lower() == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()
