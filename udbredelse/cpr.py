"""CPR numbers: normalise, validate (birth date with the century rule), mask, derive sex/age, pseudonymise.

Everything works on whole polars columns (vectorised); the clear number never leaves this module
except as the vault's input. CPR rules (README "File formats"): the 7th digit with YY gives the century; modulus 11
is only a warning; fictitious numbers (day + 60) are accepted in demo mode, rejected in production.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl

from udbredelse.pseudonym import pseudonymise

# What people type between the birth date and the serial number: nothing, a hyphen, an en/em dash,
# a non-breaking or other Unicode hyphen, a minus sign, a space (also no-break, thin, figure) or '_'.
# Literal characters, not escapes: the same text works in Python's re, polars/Rust regex and RE2 (DuckDB).
SEPARATOR = "[-_ \u00a0\u2007\u2009\u202f\u2010\u2011\u2012\u2013\u2014\u2212]"
# A value of the `cpr` column: 6 + 4 digits with at most one separator.
CPR_PATTERN = f"^[0-9]{{6}}{SEPARATOR}?[0-9]{{4}}$"
# A CPR whose leading zero was lost (the column was formatted as a number): 9 digits.
CPR_LOST_ZERO_PATTERN = f"^[1-9][0-9]{{4}}{SEPARATOR}?[0-9]{{4}}$"
# A CPR number inside free text: DDMMYY-SSSS or DDMMYYSSSS (any separator above) with a plausible day
# (01-31, or 61-91 for fictitious numbers) and month. This is the one home of the CPR shape: the
# boundary rule (`CPR_IN_TEXT_PATTERN`, polars has no look-around, hence the consumed non-digit
# neighbours), the quality suite's "no CPR in any mart" (`CPR_STANDALONE_PATTERN`, which also needs
# no letter beside the number, so it is narrower: whatever the marts would fail for is stopped at the
# boundary) and its DuckDB pre-filter (`CPR_PREFILTER_PATTERN`) are all built from it.
_DAY = r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
CPR_CORE = f"{_DAY}{_MONTH}[0-9]{{2}}{SEPARATOR}?[0-9]{{4}}"
CPR_IN_TEXT_PATTERN = f"(?:^|[^0-9]){CPR_CORE}(?:[^0-9]|$)"
CPR_STANDALONE_PATTERN = f"(?<![0-9A-Za-z]){CPR_CORE}(?![0-9A-Za-z])"
CPR_PREFILTER_PATTERN = f"[0-9]{{6}}{SEPARATOR}?[0-9]{{4}}"
# Masking is wider than detection (any 6+4 digits, any separator): better one masked too many.
_MASK_PATTERN = f"(^|[^0-9])([0-9]{{6}}){SEPARATOR}?[0-9]{{4}}([^0-9]|$)"
_CPR_ANYWHERE = re.compile(f"(?<![0-9])([0-9]{{6}}){SEPARATOR}?[0-9]{{4}}(?![0-9])")
_NON_DIGITS = re.compile(r"[^0-9]")
# What an echoed field may never carry: C0/C1 controls, line/paragraph separators, bidi overrides.
_UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_CHARS_RUST = r"[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}\x{202A}-\x{202E}\x{2066}-\x{2069}\x{FEFF}]"
ECHO_MAX_CHARS = 80
MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def normalise(value: str | None) -> str | None:
    """'DDMMYY-SSSS' / 'DDMMYYSSSS' (spaces trimmed) → 10 digits, else None."""
    if value is None:
        return None
    text = value.strip()
    if not re.fullmatch(CPR_PATTERN, text):
        return None
    return _NON_DIGITS.sub("", text)


def century_year(yy: int, digit7: int) -> int:
    """Full birth year from YY and the 7th digit (udbredelse/export/README.md)."""
    if digit7 <= 3:
        return 1900 + yy
    if digit7 in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


def mask(value: object) -> str:
    """A CPR-like value shown at most as 'DDMMYY-xxxx'; anything shorter is fully masked."""
    if value is None:
        return ""
    text = str(value).strip()
    digits = re.sub(SEPARATOR, "", text)
    if len(digits) >= 6 and digits[:6].isdigit():
        return digits[:6] + "-xxxx"
    return "x" * min(len(text), 10)


def mask_text(text: str) -> str:
    """Mask every CPR-like number inside free text (for values echoed in reports)."""
    return _CPR_ANYWHERE.sub(lambda m: m.group(1) + "-xxxx", text)


def echo(value: object, limit: int = ECHO_MAX_CHARS) -> str | None:
    """A field fit to be echoed anywhere (report, manifest, log, printed line, audit log, JSON).

    Not-UTF-8 bytes (surrogate escapes from a file name) become U+FFFD, text is NFC, control and
    bidi characters become '?', so no value can forge a line; every CPR-like number is masked
    (before cutting: a cut through a number would leave its digits); at most `limit` characters.
    """
    if value is None:
        return None
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _UNSAFE_CHARS.sub("?", unicodedata.normalize("NFC", text))
    text = mask_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def echo_expr(text: pl.Expr, limit: int | None = ECHO_MAX_CHARS) -> pl.Expr:
    """`echo` for a column: controls replaced, CPR-like numbers masked, then cut (vectorised)."""
    safe = mask_text_expr(text.str.replace_all(_UNSAFE_CHARS_RUST, "?"))
    return safe if limit is None else safe.str.slice(0, limit)


def has_invalid_bytes(name: str) -> bool:
    """True for a name that was not valid UTF-8 on disk (Python keeps such bytes as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in name)


def cpr_in_text_expr(text: pl.Expr) -> pl.Expr:
    """True where a text value holds a CPR-shaped number (vectorised; null stays null)."""
    return text.str.contains(CPR_IN_TEXT_PATTERN)


def mask_text_expr(text: pl.Expr) -> pl.Expr:
    """Every CPR-like number inside a text value shown as 'DDMMYY-xxxx' (vectorised).

    Two passes: a match consumes the non-digit after it, so of two numbers separated by one
    character the second is only seen by the second pass (after the first is masked, it no longer
    matches, so two passes reach every number).
    """
    once = text.str.replace_all(_MASK_PATTERN, "${1}${2}-xxxx${3}")
    return once.str.replace_all(_MASK_PATTERN, "${1}${2}-xxxx${3}")


def mod11_ok(cpr10: str) -> bool:
    return sum(int(d) * w for d, w in zip(cpr10, MOD11_WEIGHTS, strict=True)) % 11 == 0


@dataclass(frozen=True)
class CprCheck:
    """Result of checking one value (scalar API, used by tests and small callers)."""

    cpr10: str | None
    error: str | None        # cpr_leading_zero | cpr_format | cpr_date | cpr_fictitious
    mod11_warning: bool
    fictitious: bool


def check(value: str | None, allow_fictitious: bool) -> CprCheck:
    frame = analyse(pl.Series("cpr", [value], dtype=pl.Utf8), allow_fictitious=allow_fictitious)
    row = frame.row(0, named=True)
    return CprCheck(row["cpr10"], row["error"], bool(row["mod11_warning"]), bool(row["fictitious"]))


def analyse(values: pl.Series, allow_fictitious: bool) -> pl.DataFrame:
    """Check a column of CPR values at once.

    Returns one row per input value with: cpr10 (normalised, null unless valid), error (null or a
    rule code), mod11_warning, fictitious, birth_date, sex ('M'/'K'). Empty input values give
    error null and cpr10 null (whether a CPR is required is the caller's rule).
    """
    text = pl.col("raw").str.strip_chars()
    digits = pl.col("digits")
    frame = pl.DataFrame({"raw": values.cast(pl.Utf8)}).with_columns(
        present=text.is_not_null() & (text.str.len_chars() > 0),
        shaped=text.str.contains(CPR_PATTERN).fill_null(False),
        lost_zero=text.str.contains(CPR_LOST_ZERO_PATTERN).fill_null(False),
        digits=text.str.replace_all(SEPARATOR, ""),
    )
    dd = digits.str.slice(0, 2).cast(pl.Int32, strict=False)
    mm = digits.str.slice(2, 2).cast(pl.Int32, strict=False)
    yy = digits.str.slice(4, 2).cast(pl.Int32, strict=False)
    d7 = digits.str.slice(6, 1).cast(pl.Int32, strict=False)
    year = (
        pl.when(d7 <= 3).then(1900 + yy)
        .when(d7.is_in([4, 9])).then(pl.when(yy <= 36).then(2000 + yy).otherwise(1900 + yy))
        .otherwise(pl.when(yy <= 57).then(2000 + yy).otherwise(1800 + yy))
    )
    frame = frame.with_columns(
        fictitious=pl.col("shaped") & (dd > 60),
        _day=pl.when(dd > 60).then(dd - 60).otherwise(dd),
        _month=mm,
        _year=year,
    )
    date_text = pl.format(
        "{}-{}-{}",
        pl.col("_year").cast(pl.Utf8),
        pl.col("_month").cast(pl.Utf8).str.zfill(2),
        pl.col("_day").cast(pl.Utf8).str.zfill(2),
    )
    weights = sum(
        digits.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(MOD11_WEIGHTS)
    )
    frame = frame.with_columns(
        birth_date=pl.when(pl.col("shaped")).then(date_text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)),
    )
    error = (
        pl.when(~pl.col("present")).then(None)
        .when(pl.col("lost_zero")).then(pl.lit("cpr_leading_zero"))
        .when(~pl.col("shaped")).then(pl.lit("cpr_format"))
        .when(pl.col("birth_date").is_null()).then(pl.lit("cpr_date"))
        .when(pl.col("fictitious") & pl.lit(not allow_fictitious)).then(pl.lit("cpr_fictitious"))
        .otherwise(None)
    )
    frame = frame.with_columns(error=error).with_columns(
        cpr10=pl.when(pl.col("present") & pl.col("error").is_null()).then(digits),
    )
    last = pl.col("cpr10").str.slice(9, 1).cast(pl.Int32, strict=False)
    return frame.select(
        "cpr10",
        "error",
        mod11_warning=pl.col("cpr10").is_not_null() & ((weights % 11) != 0),
        fictitious=pl.col("fictitious").fill_null(False),
        birth_date=pl.when(pl.col("cpr10").is_not_null()).then(pl.col("birth_date")),
        sex=pl.when(last.is_null()).then(None).when(last % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("K")),
    )


def age_expr(birth: pl.Expr, at: pl.Expr) -> pl.Expr:
    """Whole years between birth and `at` (vectorised)."""
    before_birthday = (at.dt.month() * 100 + at.dt.day()) < (birth.dt.month() * 100 + birth.dt.day())
    return (at.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int32)


def pseudonymise_column(cpr10: pl.Series, key: bytes) -> pl.Series:
    """Keyed pseudonym per value, computed once per distinct number (nulls stay null)."""
    uniques = cpr10.drop_nulls().unique()
    mapping = {value: pseudonymise(value, key) for value in uniques.to_list()}
    return cpr10.replace_strict(mapping, default=None, return_dtype=pl.Utf8).alias("person_id")
