"""Vectorised parsing of text columns into the contract's types (dates, integers, decimal-comma numbers)."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")

TRUE_WORDS = ["ja", "j", "1", "true", "sand", "x"]
FALSE_WORDS = ["nej", "n", "0", "false", "falsk"]


def parse_date(expr: pl.Expr) -> pl.Expr:
    """ISO 2026-03-01 (also with a time part), 01-03-2026, 01.03.2026, 1/3/2026, or an Excel serial number."""
    text = expr.str.strip_chars()
    iso_prefix = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]")).then(text.str.slice(0, 10)).otherwise(text)
    candidates = [iso_prefix.str.strptime(pl.Date, fmt, strict=False, exact=True) for fmt in DATE_FORMATS]
    serial = (
        pl.when(text.str.contains(r"^\d{1,5}(\.0+)?$"))
        .then(
            pl.lit(EXCEL_EPOCH)
            + pl.duration(days=text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
        )
        .cast(pl.Date)
    )
    return pl.coalesce([*candidates, serial])


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
