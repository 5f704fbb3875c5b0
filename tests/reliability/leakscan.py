"""Find clear CPR numbers at rest: in raw bytes of files and in every text column of DuckDB files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

# A CPR-shaped string: DDMMYY-SSSS or DDMMYYSSSS with a real day (01-31) or a fictitious one (61-91),
# not part of a longer run of digits or hex characters.
CPR_PATTERN = re.compile(
    rb"(?<![0-9A-Za-z])(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])(?:0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}(?![0-9A-Za-z])"
)
DUCKDB_MAGIC_OFFSET, DUCKDB_MAGIC = 8, b"DUCK"


def known_cprs_in(folder: Path) -> set[str]:
    """Every CPR (normalised to 10 digits) found in the CSV files of a folder (the generated inbox)."""
    found: set[str] = set()
    for path in folder.rglob("*.csv"):
        for match in CPR_PATTERN.finditer(path.read_bytes()):
            found.add(match.group().decode().replace("-", ""))
    return found


def _is_duckdb(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16)
    return head[DUCKDB_MAGIC_OFFSET:DUCKDB_MAGIC_OFFSET + 4] == DUCKDB_MAGIC


def _variants(cprs: Iterable[str]) -> list[bytes]:
    out: list[bytes] = []
    for cpr in cprs:
        out += [cpr.encode(), f"{cpr[:6]}-{cpr[6:]}".encode()]
    return out


def leaks_in_file_bytes(path: Path, cprs: set[str]) -> list[str]:
    data = path.read_bytes()
    return sorted({v.decode() for v in _variants(cprs) if v in data})


def leaks_in_duckdb(path: Path, cprs: set[str]) -> list[str]:
    """Tables/columns of a DuckDB file whose text holds any of the CPR numbers (either format)."""
    con = duckdb.connect(str(path), read_only=True)
    hits: list[str] = []
    try:
        con.execute("create temp table _cpr as select unnest(?::varchar[]) as v", [[v.decode() for v in _variants(cprs)]])
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema not in ('information_schema', 'pg_catalog') "
            "and table_name <> '_cpr'"
        ).fetchall()
        for schema, table, column in columns:
            sql = (
                f'select count(*) from "{schema}"."{table}" t join _cpr '  # noqa: S608 - names from the catalog
                f'on position(_cpr.v in t."{column}") > 0'
            )
            if con.execute(sql).fetchone()[0]:
                hits.append(f"{schema}.{table}.{column}")
    finally:
        con.close()
    return hits


def scan_home(home: Path, cprs: set[str], skip: Iterable[Path] = ()) -> dict[str, list[str]]:
    """Every file under the data home except the inbox (and `skip`): raw bytes, and DuckDB text columns."""
    skipped = {p.resolve() for p in skip}
    report: dict[str, list[str]] = {}
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.resolve() in skipped:
            continue
        rel = path.relative_to(home)
        if rel.parts and rel.parts[0] == "inbox":
            continue
        hits = leaks_in_file_bytes(path, cprs)
        if path.stat().st_size >= 16 and _is_duckdb(path) and not path.name.endswith(".wal"):
            hits += leaks_in_duckdb(path, cprs)
        if hits:
            report[str(rel)] = hits[:5]
    return report
