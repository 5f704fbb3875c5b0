"""The DuckDB warehouse: the raw schema ingest writes, the single-writer lock, and the published copy.

Schemas:
  raw       what ingest loads (one table per file type, plus the manifest and validation issues);
            append-only, keyed on file_id (sha256 of the file's bytes). No clear CPR, ever.
  catalog   the intervention catalog as tables (written before each dbt build)
  staging / intermediate / marts   built by dbt (see dbt/)

The dashboard never opens the warehouse: it reads `published/udbredelse.duckdb`, a copy made
after a successful build and swapped in atomically (os.replace), opened read-only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from udbredelse.settings import Settings

RAW_DDL = """
create schema if not exists raw;

-- The manifest: one row per received file (append-only). file_id = sha256 of the bytes.
create table if not exists raw.files (
    file_id          varchar primary key,
    original_name    varchar,          -- metadata only; never used to build a path
    source           varchar,          -- inbox | upload
    kommunekode      varchar,
    indsats          varchar,
    file_type        varchar,          -- courses | sessions | measurements | targets | milestones | registry
    reporting_date   date,
    encoding         varchar,
    delimiter        varchar,
    sheet_name       varchar,
    size_bytes       bigint,
    rows_read        integer,
    rows_accepted    integer,
    rows_rejected    integer,
    warnings         integer,
    status           varchar,          -- accepted | partial | rejected
    received_at      timestamp,
    supersedes       varchar,          -- file_id of the snapshot this one replaces
    archive_path     varchar,          -- relative to the data home; encrypted
    pseudonym_key_id varchar
);

-- Row-level verdicts in Danish (CPR masked). row_number = spreadsheet row (header = 1); null = file level.
create table if not exists raw.validation_issues (
    file_id      varchar,
    row_number   integer,
    column_name  varchar,
    severity     varchar,              -- error | warning
    code         varchar,
    message      varchar,
    value_masked varchar
);

-- Course snapshot rows. A course whose new row was rejected is carried forward from the last
-- accepted snapshot with is_carried_forward = true (awaiting correction).
create table if not exists raw.courses (
    file_id              varchar,
    row_number           integer,
    kommunekode          varchar,
    indsats              varchar,
    reporting_date       date,
    forloeb_id           varchar,
    person_id            varchar,      -- keyed pseudonym (HMAC-SHA256); null when the catalog collects no CPR
    pseudonym_key_id     varchar,
    sex                  varchar,      -- M | K (from the CPR's last digit; not ground truth)
    age_at_start         integer,      -- at startdato, else at henvisningsdato, else at reporting date
    henvisningsdato      date,
    henvisningsaarsag    varchar,
    status               varchar,
    startdato            date,
    slutdato             date,
    afslutningsaarsag    varchar,
    antal_sessioner      integer,
    medarbejder_id       varchar,
    is_carried_forward   boolean default false,
    carried_from_file_id varchar
);

-- Catalog items (fidelity elements) of each course row, long: one row per course per item.
create table if not exists raw.course_items (
    file_id     varchar,
    forloeb_id  varchar,
    item_code   varchar,
    item_value  boolean
);

create table if not exists raw.sessions (
    file_id       varchar,
    row_number    integer,
    kommunekode   varchar,
    indsats       varchar,
    forloeb_id    varchar,
    sessionsdato  date
);

create table if not exists raw.measurements (
    file_id      varchar,
    row_number   integer,
    kommunekode  varchar,
    indsats      varchar,
    forloeb_id   varchar,
    redskab      varchar,
    tidspunkt    varchar,              -- start | slut | opfoelgning
    dato         date,
    score        double
);

create table if not exists raw.targets (
    file_id      varchar,
    row_number   integer,
    kommunekode  varchar,
    indsats      varchar,
    aar          integer,
    maaltal      integer
);

create table if not exists raw.milestones (
    file_id      varchar,
    row_number   integer,
    kommunekode  varchar,
    indsats      varchar,
    milepael     varchar,
    status       varchar,              -- ikke_startet | i_gang | opfyldt
    dato         date
);

-- Registry extract from Danmarks Statistik: already pseudonymised (the project pseudonym), long format.
create table if not exists raw.registry (
    file_id      varchar,
    row_number   integer,
    person_id    varchar,
    periode      varchar,              -- YYYY-MM
    indikator    varchar,
    vaerdi       double
);
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the pipeline's warehouse (create it and the raw schema when writable)."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path), read_only=read_only)
    if not read_only:
        ensure_raw_schema(con)
    return con


@contextlib.contextmanager
def writer_lock(settings: Settings, wait: bool = True) -> Iterator[None]:
    """One writer at a time across processes (ingest, build, DAG tasks): an flock on the data home.

    With wait=False a second writer is refused at once (BlockingIOError) instead of queueing.
    """
    lock_path = settings.home_path / ".writer.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def reader_lock(settings: Settings) -> Iterator[None]:
    """The reader side of `writer_lock` (a shared flock on the same file): any number of readers
    together, never beside a writer. For the few readers of the warehouse itself (not the published copy)."""
    lock_path = settings.home_path / ".writer.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(settings: Settings) -> Path:
    """Copy the warehouse to the published location atomically (readers see old or new, never a mix)."""
    target = settings.published_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    shutil.copyfile(settings.warehouse_path, tmp)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return target


def connect_published(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published copy, with external access disabled (dashboard)."""
    return duckdb.connect(
        str(settings.published_path),
        read_only=True,
        config={"enable_external_access": False},
    )
