"""The `quality` schema in the warehouse: runs, expectation results, indicator profiles, reminder outbox."""

from __future__ import annotations

from typing import Any

import duckdb

QUALITY_DDL = """
create schema if not exists quality;

-- One row per run of the GX suites (udbredelse build / the quality DAG).
create table if not exists quality.runs (
    run_id            varchar primary key,
    started_at        timestamp,
    finished_at       timestamp,
    success           boolean,          -- every expectation passed
    critical_failed   boolean,          -- a critical expectation failed (the build stops)
    suites            integer,
    expectations      integer,
    failed_critical   integer,
    failed_warning    integer,
    previous_run_id   varchar,          -- the run the drift suite compared with
    summary           varchar,          -- Danish one-liner
    data_docs_path    varchar
);

-- One row per expectation per run. No data values are stored (a CPR-shaped value never lands here).
create table if not exists quality.expectation_results (
    run_id            varchar,
    suite_name        varchar,
    source            varchar,
    expectation_type  varchar,
    column_name       varchar,
    severity          varchar,          -- critical | warning
    description       varchar,          -- Danish
    success           boolean,
    element_count     bigint,
    unexpected_count  bigint,
    unexpected_percent double,
    observed_value    varchar
);

-- The per-indicator summary the drift suite compares the next run with.
create table if not exists quality.indicator_profiles (
    run_id        varchar,
    indicator     varchar,
    period_type   varchar,
    row_count     bigint,
    numerator_sum double,
    value_mean    double
);

-- Reminders for municipalities whose file is overdue; sent by the quality DAG (Airflow SMTP).
create table if not exists quality.reminder_outbox (
    reminder_id  varchar primary key,   -- kommunekode|indsats|period
    kommunekode  varchar,
    indsats      varchar,
    period       varchar,
    due_date     date,
    days_late    integer,
    recipient    varchar,
    subject      varchar,
    message      varchar,               -- Danish, plain text
    created_at   timestamp,
    sent_at      timestamp
);
-- added later: how often a reminder went out (it is repeated after the catalog's
-- operations.reminder_repeat_days until the file arrives) and when it last did
alter table quality.reminder_outbox add column if not exists times_sent integer default 0;
alter table quality.reminder_outbox add column if not exists last_sent_at timestamp;
"""


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(QUALITY_DDL)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows into quality.<table> (table is one of the constants above)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (f"insert into quality.{table} ({', '.join(columns)}) "  # noqa: S608 - table/columns are module constants
           f"values ({', '.join('?' for _ in columns)})")
    con.executemany(sql, [[row[c] for c in columns] for row in rows])
