"""The CPR vault: person_id → CPR, encrypted per row (AES-GCM), in its own DuckDB file apart from the warehouse.

Only the cohort export (register follow-up) may read it back, through `read_cpr`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import duckdb
import polars as pl

from udbredelse import crypto
from udbredelse.settings import Settings

VAULT_DDL = """
create table if not exists vault (
    person_id        varchar primary key,
    pseudonym_key_id varchar,
    cpr_encrypted    blob,               -- MAGIC + nonce + AES-GCM(cpr10), context = person_id
    first_file_id    varchar,
    stored_at        timestamp
);
"""


LOCK_WAIT_SECONDS = 30.0


def _connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the vault; while another process holds it (a short store by ingest), wait and retry."""
    settings.vault_path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not settings.vault_path.exists():
        con = duckdb.connect(":memory:")
        con.execute(VAULT_DDL)
        return con
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con = duckdb.connect(str(settings.vault_path), read_only=read_only)
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    if not read_only:
        con.execute(VAULT_DDL)
    return con


class VaultWriter:
    """Stores CPR numbers for ingest (which holds the writer lock); the vault file is open only while storing."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.key = settings.vault_key_bytes

    def store(self, people: pl.DataFrame, file_id: str | None = None) -> int:
        """Store new (person_id, cpr10) pairs; known person_ids are left as they are. Returns how many were new.

        The file a person was first seen in is `file_id`, or the frame's own `file_id` column.
        """
        if people.height == 0:
            return 0
        self.con = _connect(self.settings)
        try:
            return self._store(people, file_id)
        finally:
            self.con.close()

    def _store(self, people: pl.DataFrame, file_id: str | None) -> int:
        if "file_id" not in people.columns:
            people = people.with_columns(pl.lit(file_id, pl.Utf8).alias("file_id"))
        pairs = people.select("person_id", "cpr10", "file_id").filter(
            pl.col("person_id").is_not_null() & pl.col("cpr10").is_not_null()).unique(
            subset="person_id", keep="first", maintain_order=True)
        self.con.register("incoming_ids", pairs.select("person_id"))
        known = {row[0] for row in self.con.execute(
            "select v.person_id from vault v join incoming_ids i using (person_id)").fetchall()}
        self.con.unregister("incoming_ids")
        fresh = pairs.filter(~pl.col("person_id").is_in(list(known)))
        if fresh.height == 0:
            return 0
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = pl.DataFrame(
            {
                "person_id": fresh["person_id"],
                "pseudonym_key_id": [self.settings.pseudonym_key_id] * fresh.height,
                "cpr_encrypted": [
                    crypto.encrypt(cpr.encode("ascii"), self.key, pid.encode("ascii"))
                    for pid, cpr in zip(fresh["person_id"].to_list(), fresh["cpr10"].to_list(), strict=True)
                ],
                "first_file_id": fresh["file_id"],
                "stored_at": [now] * fresh.height,
            },
            schema={"person_id": pl.Utf8, "pseudonym_key_id": pl.Utf8, "cpr_encrypted": pl.Binary,
                    "first_file_id": pl.Utf8, "stored_at": pl.Datetime("us")},
        )
        self.con.register("fresh_rows", rows)
        self.con.execute("insert into vault select * from fresh_rows")
        self.con.unregister("fresh_rows")
        return rows.height

    def close(self) -> None:
        """Nothing stays open between stores."""

    def __enter__(self) -> VaultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store(settings: Settings, people: pl.DataFrame, file_id: str) -> int:
    """Store new (person_id, cpr10) pairs in the vault (opens and closes the vault)."""
    with VaultWriter(settings) as writer:
        return writer.store(people, file_id)


def read_cpr(settings: Settings, person_ids: list[str] | None = None) -> dict[str, str]:
    """person_id → 10-digit CPR (decrypted). Only the cohort export may call this."""
    key = settings.vault_key_bytes
    con = _connect(settings, read_only=True)
    try:
        if person_ids is None:
            rows = con.execute("select person_id, cpr_encrypted from vault").fetchall()
        else:
            wanted = pl.DataFrame({"person_id": list(person_ids)}, schema={"person_id": pl.Utf8})
            con.register("wanted_ids", wanted)
            rows = con.execute(
                "select v.person_id, v.cpr_encrypted from vault v join wanted_ids w using (person_id)"
            ).fetchall()
    finally:
        con.close()
    return {pid: crypto.decrypt(bytes(blob), key, pid.encode("ascii")).decode("ascii") for pid, blob in rows}


def count(settings: Settings) -> int:
    if not settings.vault_path.exists():
        return 0
    con = _connect(settings, read_only=True)
    try:
        return int(con.execute("select count(*) from vault").fetchone()[0])
    finally:
        con.close()
