"""Shared helpers for the ingest tests (fictitious CPR only: day + 60)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"

MOVE_HEADER = (
    "kommunekode;indsats;forloeb_id;cpr;henvisningsdato;henvisningsaarsag;status;startdato;slutdato;"
    "afslutningsaarsag;antal_sessioner;medarbejder_id;ungmap_screening"
)


def move_row(forloeb_id: str, cpr: str, status: str = "i_gang", start: str = "2026-01-12", end: str = "",
             reason: str = "", kommune: str = "101") -> str:
    return f"{kommune};MOVE;{forloeb_id};{cpr};2026-01-05;rusmiddel;{status};{start};{end};{reason};5;M1;ja"


def move_file(rows: list[str]) -> bytes:
    return ("\n".join([MOVE_HEADER, *rows]) + "\n").encode("utf-8")


# Fictitious CPR numbers (day + 60), modulus-11 valid.
CPRS = ["6101084009", "6503074018", "7005094008", "7106094009", "6203954008", "6805124006"]


def dashed(cpr10: str) -> str:
    return f"{cpr10[:6]}-{cpr10[6:]}"


def clear_cpr_forms(cpr10: str) -> list[bytes]:
    return [cpr10.encode(), dashed(cpr10).encode(), cpr10.encode("utf-16-le")]
