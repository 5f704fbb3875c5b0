"""AES-GCM helpers and the CPR vault: per-row nonces, bound to the person_id, tamper-evident."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from helpers import CPRS

from udbredelse import crypto, vault
from udbredelse.pseudonym import pseudonymise


def test_encrypt_roundtrip_and_tamper() -> None:
    key = b"k" * 32
    blob = crypto.encrypt(b"data", key, b"ctx")
    assert crypto.decrypt(blob, key, b"ctx") == b"data"
    assert crypto.encrypt(b"data", key, b"ctx") != blob  # fresh nonce every time
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, key, b"other")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), key, b"ctx")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b"not ours", key)


def test_vault_rows_are_encrypted_per_row_and_idempotent(settings) -> None:
    key = settings.pseudonym_key_bytes
    people = pl.DataFrame({"person_id": [pseudonymise(c, key) for c in CPRS[:3]], "cpr10": CPRS[:3],
                           "file_id": ["f1", "f1", "f2"]})
    writer = vault.VaultWriter(settings)
    assert writer.store(people) == 3
    assert writer.store(people) == 0  # already known
    writer.close()
    con = duckdb.connect(str(settings.vault_path), read_only=True)
    rows = con.execute("select person_id, cpr_encrypted, first_file_id, pseudonym_key_id from vault").fetchall()
    con.close()
    blobs = [bytes(r[1]) for r in rows]
    assert len({b[4:16] for b in blobs}) == 3  # distinct nonces
    assert all(c.encode() not in b for b in blobs for c in CPRS)
    assert sorted(r[2] for r in rows) == ["f1", "f1", "f2"]
    assert {r[3] for r in rows} == {settings.pseudonym_key_id}
    # a ciphertext moved to another person_id does not decrypt
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blobs[0], settings.vault_key_bytes, rows[1][0].encode())
    expected = dict(zip(people["person_id"].to_list(), CPRS[:3], strict=True))
    assert vault.read_cpr(settings, [rows[0][0]]) == {rows[0][0]: expected[rows[0][0]]}
    assert vault.count(settings) == 3


def test_read_cpr_without_vault_is_empty(settings) -> None:
    assert vault.read_cpr(settings) == {}
    assert not settings.vault_path.exists()
