"""Batched checking and storing give exactly what file-by-file processing gives."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
from helpers import CPRS, INVALID, VALID, dashed, move_file, move_row
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from udbredelse.catalog import load_catalog
from udbredelse.ingest import check as check_module
from udbredelse.ingest import ingest_inbox
from udbredelse.ingest.check import Entry, check_bytes, check_many


def _entries() -> list[Entry]:
    when = dt.datetime(2026, 4, 2, 9, 0)
    out = []
    for path in sorted(VALID.iterdir()) + sorted(INVALID.iterdir()):
        name = path.name.split("__")[-1]
        folder = "register" if name.startswith("register") else name.split("_")[0]
        out.append(Entry(path.read_bytes(), name, folder if folder.isdigit() or folder == "register" else "101", when))
    return out


def test_check_many_equals_one_by_one(settings) -> None:
    catalog = load_catalog(settings.catalog_path)
    entries = _entries()
    together = check_many(entries, settings, catalog, require_uploader=True)
    for entry, batched in zip(entries, together, strict=True):
        alone = check_bytes(entry.data, entry.name, settings, catalog, entry.uploader, entry.received_at,
                            require_uploader=True)
        assert (batched.status, batched.rows_read, batched.rows_accepted) == (
            alone.status, alone.rows_read, alone.rows_accepted), entry.name
        assert batched.issues.equals(alone.issues), entry.name
        if alone.accepted is not None:
            assert batched.accepted.equals(alone.accepted), entry.name


def _tables(settings) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        out = {}
        for table in ("files", "courses", "course_items", "sessions", "measurements", "targets", "milestones",
                      "registry", "validation_issues"):
            frame = con.sql(f"select * from raw.{table}").pl()  # noqa: S608 - constant names
            out[table] = frame.sort(frame.columns, nulls_last=True)
        return out
    finally:
        con.close()


def row(forloeb_id: str, cpr: str) -> str:
    return move_row(forloeb_id, cpr, kommune="147")


def _fill_inbox(settings) -> None:
    snapshots = {
        "2026-03-31": [row("F1", dashed(CPRS[0])), row("F2", dashed(CPRS[1]))],
        "2026-04-30": [row("F1", dashed(CPRS[0])), row("F2", "bad"), row("F3", dashed(CPRS[2]))],
        "2026-05-31": [row("F1", "bad"), row("F2", "bad"), row("F3", dashed(CPRS[2]))],
    }
    for stamp, rows in snapshots.items():
        path = settings.inbox_dir / "147" / f"147_MOVE_forloeb_{stamp}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(move_file(rows))
    for path in VALID.iterdir():
        name = path.name.split("__")[-1]
        folder = "register" if name.startswith("register") else name.split("_")[0]
        (settings.inbox_dir / folder).mkdir(parents=True, exist_ok=True)
        (settings.inbox_dir / folder / path.name).write_bytes(path.read_bytes())


def test_waves_store_the_same_as_single_files(settings, tmp_path, monkeypatch) -> None:
    from udbredelse.settings import get_settings

    _fill_inbox(settings)
    batched = ingest_inbox(settings)
    together = _tables(settings)

    monkeypatch.setenv("UDBREDELSE_HOME", str(tmp_path / "single"))
    single = get_settings()
    single.ensure_dirs()
    _fill_inbox(single)
    monkeypatch.setattr("udbredelse.ingest.BATCH_FILES", 1)
    one_by_one = ingest_inbox(single)
    alone = _tables(single)

    assert [(r["name"], r["status"], r["rows_accepted"]) for r in batched] == [
        (r["name"], r["status"], r["rows_accepted"]) for r in one_by_one]
    for table in together:
        left, right = together[table], alone[table]
        if table == "files":
            left, right = left.drop("received_at"), right.drop("received_at")
        assert left.equals(right), table
    carried = together["courses"].filter(pl.col("is_carried_forward"))
    assert carried.height == 3  # F2 in April, F1 and F2 in May
    assert check_module.FILE == "_file"


def test_a_crash_inside_the_checks_rejects_only_that_file(settings, monkeypatch) -> None:
    catalog = load_catalog(settings.catalog_path)
    good = Entry((VALID / "101_MOVE_maaltal_2026-03-31.csv").read_bytes(), "101_MOVE_maaltal_2026-03-31.csv", "101",
                 dt.datetime(2026, 4, 2))
    bad = Entry(move_file([move_row("F1", dashed(CPRS[0]))]), "101_MOVE_forloeb_2026-03-31.csv", "101",
                dt.datetime(2026, 4, 2))
    original = check_module._course_rules

    def explode(*args, **kwargs):
        raise ValueError(f"boom {CPRS[0]}")

    monkeypatch.setattr(check_module, "_course_rules", explode)
    outcomes = check_many([good, bad], settings, catalog, require_uploader=True)
    assert [o.status for o in outcomes] == ["accepted", "rejected"]
    assert outcomes[1].errors["code"].to_list() == ["internal_error"]
    assert CPRS[0] not in outcomes[1].issues.write_csv()
    monkeypatch.setattr(check_module, "_course_rules", original)


CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab-;\" æ0/.")), max_size=8),
    st.sampled_from(["6101084009", "610108-4009", "2026-01-12", "01-02-2026", "i_gang", "gennemfoert", "afbrudt",
                     "MOVE", "CTI", "101", "147", "ja", "nej", "rusmiddel", "anden", "F1", "F2", "3"]),
)
GOOD = move_row("F0", dashed(CPRS[0])).split(";")


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(st.lists(CELL, min_size=13, max_size=13), max_size=4), min_size=2, max_size=3))
def test_property_batch_equals_single(settings, files) -> None:
    catalog = load_catalog(settings.catalog_path)
    entries = [Entry(move_file([";".join(GOOD), *[";".join(r) for r in rows]]), f"101_MOVE_forloeb_2026-03-3{i}.csv",
                     "101", dt.datetime(2026, 4, 2)) for i, rows in enumerate(files)]
    together = check_many(entries, settings, catalog, require_uploader=True)
    for entry, batched in zip(entries, together, strict=True):
        alone = check_bytes(entry.data, entry.name, settings, catalog, "101", entry.received_at, require_uploader=True)
        assert batched.status == alone.status
        assert batched.rows_accepted + batched.rows_rejected == batched.rows_read
        assert batched.issues.equals(alone.issues)
