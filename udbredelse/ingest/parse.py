"""Vectorised parsing of text columns into the contract's types (dates, integers, decimal-comma numbers)."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

EXCEL_EPOCH = dt.date(1899, 12, 30)
EARLIEST_DATE = dt.date(1900, 1, 1)   # a date before 1900 is a typing slip (or a two-digit year read as 00YY)
# Each form by its exact shape, so a two-digit year can never be read as year 0026 by a four-digit format.
ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}$"
DANISH_DATE = r"^\d{1,2}-\d{1,2}-\d{4}$"          # 01-03-2026, 01.03.2026, 1/3/2026 (separators unified)
TWO_DIGIT_YEAR_DATE = r"^\d{1,2}-\d{1,2}-\d{2}$"  # 01-03-26: read as 2026, with a warning (two_digit_year)
EXCEL_SERIAL = r"^\d{5}(\.0+)?$"                    # an Excel date number (10000 = 1927-05-18 … 99999)

TRUE_WORDS = ["ja", "j", "1", "true", "sand", "x"]
FALSE_WORDS = ["nej", "n", "0", "false", "falsk"]


def _date_text(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    text = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]")).then(text.str.slice(0, 10)).otherwise(text)
    return pl.when(text.str.contains(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")) \
        .then(text.str.replace_all(r"[./]", "-")).otherwise(text)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """ISO 2026-03-01 (also with a time part), 01-03-2026, 01.03.2026, 1/3/2026, 01-03-26 (as 2026) or an
    Excel date number. Dates before 1900 come back as they are: the checks reject them (date_too_early)."""
    text = _date_text(expr)
    iso = pl.when(text.str.contains(ISO_DATE)).then(text.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
    danish = pl.when(text.str.contains(DANISH_DATE)).then(text.str.strptime(pl.Date, "%d-%m-%Y", strict=False))
    two_digit = pl.when(text.str.contains(TWO_DIGIT_YEAR_DATE)).then(
        text.str.replace(r"-(\d{2})$", "-20${1}").str.strptime(pl.Date, "%d-%m-%Y", strict=False))
    serial = (
        pl.when(text.str.contains(EXCEL_SERIAL))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)))
        .cast(pl.Date)
    )
    return pl.coalesce([iso, danish, two_digit, serial])


def has_two_digit_year(expr: pl.Expr) -> pl.Expr:
    return _date_text(expr).str.contains(TWO_DIGIT_YEAR_DATE)


def parse_int(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars().str.replace(r"[,.]0+$", "")
    return pl.when(text.str.contains(r"^-?\d{1,12}$")).then(text.cast(pl.Int64, strict=False))


def parse_number(expr: pl.Expr) -> pl.Expr:
    """A number with a decimal comma or point (no thousands separators)."""
    text = expr.str.strip_chars().str.replace(",", ".", literal=True)
    return pl.when(text.str.contains(r"^-?(\d+\.?\d*|\.\d+)$")).then(text.cast(pl.Float64, strict=False))


def parse_bool(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars().str.to_lowercase()
    return pl.when(text.is_in(TRUE_WORDS)).then(True).when(text.is_in(FALSE_WORDS)).then(False).otherwise(None)


def parse_date_scalar(value: str | None) -> dt.date | None:
    if value is None:
        return None
    return _parse_date_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> dt.date | None:
    """One text through the same expression as the columns (cached: a batch repeats few reporting dates)."""
    return pl.select(parse_date(pl.lit(value, pl.Utf8))).item()
