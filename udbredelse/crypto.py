"""AES-GCM helpers for data at rest: the encrypted archive, the quarantine and the CPR vault."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"UDB1"
NONCE_BYTES = 12


class DecryptionError(RuntimeError):
    """The ciphertext could not be decrypted (wrong key, wrong context, or tampered)."""


def _aead(key: bytes) -> AESGCM:
    # AES-256 needs exactly 32 bytes; longer secrets are accepted by the settings, so derive.
    if len(key) != 32:
        import hashlib

        key = hashlib.sha256(b"udbredelse-aesgcm:" + key).digest()
    return AESGCM(key)


def encrypt(data: bytes, key: bytes, context: bytes = b"") -> bytes:
    """Encrypt `data`; `context` is authenticated (not secret) and must be given again to decrypt."""
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + _aead(key).encrypt(nonce, data, context)


def decrypt(blob: bytes, key: bytes, context: bytes = b"") -> bytes:
    """Decrypt what `encrypt` produced; raises DecryptionError without revealing anything."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise DecryptionError("Ukendt eller beskadiget krypteret indhold.")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        return _aead(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], context)
    except Exception:  # InvalidTag: never chain details
        raise DecryptionError("Dekryptering mislykkedes (forkert nøgle eller ændret indhold).") from None


def encrypt_file(data: bytes, key: bytes, target: os.PathLike[str] | str, context: bytes = b"") -> None:
    """Write `data` encrypted to `target` atomically."""
    path = os.fspath(target)
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(encrypt(data, key, context))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def decrypt_file(source: os.PathLike[str] | str, key: bytes, context: bytes = b"") -> bytes:
    with open(os.fspath(source), "rb") as handle:
        return decrypt(handle.read(), key, context)
