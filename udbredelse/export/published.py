"""Read-only queries on the published copy that the exports share (one place for SQL)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import polars as pl

from udbredelse import warehouse
from udbredelse.disclosure import NATIONAL as NATIONAL  # defined once, in the disclosure policy
from udbredelse.disclosure import threshold_from_parameters
from udbredelse.settings import Settings, SettingsError

# The indicator table columns, in order (README "The indicator table"; a stable interface).
INDICATOR_COLUMNS = (
    "kommunekode", "indsats", "period_type", "period", "indicator",
    "numerator", "denominator", "value", "public", "suppressed", "suppression", "quality",
)
PERIOD_TYPE_ORDER = {"month": 1, "quarter": 2, "year": 3}
# What the indicator CSVs add from marts.period_coverage (README "The indicator table"): whether the period
# is provisional, and for the national rows how many of the reporting municipalities the figure covers.
COVERAGE_COLUMNS = ("provisional", "kommuner_delivered", "kommuner_reporting")
EXPORT_COLUMNS = (*INDICATOR_COLUMNS, *COVERAGE_COLUMNS)


@contextlib.contextmanager
def published(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the published copy; a Danish error when it does not exist yet."""
    if not settings.published_path.exists():
        raise SettingsError(
            f"Der er ingen publiceret kopi af datavarehuset ({settings.published_path}). "
            "Kør `udbredelse build` (eller `udbredelse demo`) først."
        )
    con = warehouse.connect_published(settings)
    try:
        yield con
    finally:
        con.close()


def query_pl(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a read-only query and return a polars frame."""
    return con.sql(sql, params=params or None).pl()


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(rows and rows[0][0])


def find_relation(con: duckdb.DuckDBPyConnection, candidates: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The first (schema, table) of `candidates` that exists in the published copy."""
    for schema, name in candidates:
        if relation_exists(con, schema, name):
            return schema, name
    return None


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def quoted(schema: str, name: str) -> str:
    """A safely quoted relation name (names come from information_schema or constants)."""
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def read_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, where: str = "", params: list | None = None,
               order_by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Read a whole relation (optionally filtered) as polars; `where`/`order_by` are code constants."""
    if not relation_exists(con, schema, name):
        raise SettingsError(
            f"Tabellen {schema}.{name} findes ikke i den publicerede kopi. Kør `udbredelse build` først."
        )
    sql = f"select * from {quoted(schema, name)}"  # noqa: S608 - relation name checked against information_schema
    if where:
        sql += f" where {where}"
    if order_by:
        sql += " order by " + ", ".join(order_by)
    return query_pl(con, sql, params)


def read_threshold(con: duckdb.DuckDBPyConnection) -> int:
    """The suppression threshold the build applied (catalog.parameters of the published copy): every reader
    of the published numbers uses this one, never the environment of its own process."""
    if not relation_exists(con, "catalog", "parameters"):
        raise SettingsError("catalog.parameters findes ikke i den publicerede kopi. Kør `udbredelse build` først.")
    try:
        return threshold_from_parameters(read_table(con, "catalog", "parameters"))
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc


def read_indicators(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """marts.indicators with exactly the indicator table's columns, in order, deterministically sorted."""
    available = columns_of(con, "marts", "indicators")
    if not available:
        raise SettingsError("marts.indicators findes ikke i den publicerede kopi. Kør `udbredelse build` først.")
    missing = [c for c in INDICATOR_COLUMNS if c not in available]
    if missing:
        raise SettingsError(f"marts.indicators mangler kolonnerne {missing} (README: «The indicator table»).")
    frame = read_table(con, "marts", "indicators").select(INDICATOR_COLUMNS)
    return sort_indicators(frame)


def sort_indicators(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.with_columns(
            pl.col("period_type").replace_strict(PERIOD_TYPE_ORDER, default=9, return_dtype=pl.Int32).alias("_pt")
        )
        .sort(["kommunekode", "indsats", "_pt", "period", "indicator"], nulls_last=True)
        .drop("_pt")
    )


def with_period_coverage(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (indicator rows) with the columns of COVERAGE_COLUMNS from marts.period_coverage, the one home
    of the provisional-period rule: `provisional` on every row of a provisional intervention × period, the
    coverage counts on the national rows only. A period without course deliveries to judge (e.g. milestones
    only) is not provisional and has no counts."""
    if not relation_exists(con, "marts", "period_coverage"):
        raise SettingsError("marts.period_coverage findes ikke i den publicerede kopi. Kør `udbredelse build` først.")
    keys = ["indsats", "period_type", "period"]
    coverage = read_table(con, "marts", "period_coverage").select(*keys, *COVERAGE_COLUMNS)
    national = pl.col("kommunekode") == NATIONAL
    out = frame.join(coverage, on=keys, how="left", maintain_order="left").with_columns(
        pl.col("provisional").fill_null(False),
        *[pl.when(national).then(pl.col(c)).otherwise(None).cast(pl.Int64).alias(c)
          for c in ("kommuner_delivered", "kommuner_reporting")],
    )
    return out.select(*frame.columns, *COVERAGE_COLUMNS)
