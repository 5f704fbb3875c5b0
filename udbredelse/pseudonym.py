"""Keyed pseudonyms: HMAC-SHA256 under a secret key, never a plain hash (CPR numbers, and course ids for analysts)."""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX_CHARS = 32  # 128 bits: collision-free at national scale, short enough for files


def pseudonymise(cpr10: str, key: bytes) -> str:
    """Pseudonym of a normalised 10-digit CPR number (no hyphen) under `key`.

    A plain hash is brute-forced over the ~3.7e8 possible numbers in minutes; the HMAC key,
    held outside the data, is what makes this a pseudonym. Store the key id beside it.
    """
    if len(cpr10) != 10 or not cpr10.isdigit():
        raise ValueError("pseudonymise() needs a normalised 10-digit CPR number")
    digest = hmac.new(key, cpr10.encode("ascii"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_CHARS]


def course_pseudonym(kommunekode: str, indsats: str, forloeb_id: str, key: bytes) -> str:
    """`F-` + keyed pseudonym of a municipality's course id: how analysts see course level in the dashboard."""
    message = f"forloeb:{kommunekode}:{indsats}:{forloeb_id}".encode()
    return "F-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:12]
