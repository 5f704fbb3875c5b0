"""CPR: format, birth date with the century rule (the CPR century rule), fictitious numbers, mod 11 as warning, masking."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from udbredelse import cpr
from udbredelse.pseudonym import pseudonymise


def _expected_year(yy: int, digit7: int) -> int:
    # the CPR century rule, written out as the table
    if digit7 in (0, 1, 2, 3):
        return 1900 + yy
    if digit7 in (4, 9):
        return (2000 if yy <= 36 else 1900) + yy
    return (2000 if yy <= 57 else 1800) + yy


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("610190-1234", dt.date(1990, 1, 1)),
        ("6101374000", dt.date(1937, 1, 1)),
        ("6101364000", dt.date(2036, 1, 1)),
        ("6101585000", dt.date(1858, 1, 1)),
        ("6101575000", dt.date(2057, 1, 1)),
        ("6101579000", dt.date(1957, 1, 1)),
        ("6101369000", dt.date(2036, 1, 1)),
        ("890200-4001", dt.date(2000, 2, 29)),
    ],
)
def test_century_rule(number: str, born: dt.date) -> None:
    frame = cpr.analyse(pl.Series([number]), allow_fictitious=True)
    assert frame["error"][0] is None
    assert frame["birth_date"][0] == born


def test_invalid_dates_and_formats() -> None:
    values = ["890200-0001", "6113901234", "321390-1234", "61019-01234", "abc", "61 0190 1234", "", None]
    frame = cpr.analyse(pl.Series(values, dtype=pl.Utf8), allow_fictitious=True)
    assert frame["error"].to_list() == [
        "cpr_date", "cpr_date", "cpr_date", "cpr_format", "cpr_format", "cpr_format", None, None,
    ]
    assert frame["cpr10"].null_count() == len(values)


def test_fictitious_only_in_demo() -> None:
    assert cpr.check("610190-1234", allow_fictitious=True).error is None
    assert cpr.check("610190-1234", allow_fictitious=False).error == "cpr_fictitious"


def test_sex_and_mod11_warning() -> None:
    frame = cpr.analyse(pl.Series(["6101084009", "6101084010", "6101084011"]), allow_fictitious=True)
    assert frame["sex"].to_list() == ["M", "K", "M"]
    assert frame["mod11_warning"].to_list() == [not cpr.mod11_ok(v) for v in ["6101084009", "6101084010", "6101084011"]]
    assert frame["mod11_warning"][0] is False
    assert frame["error"].null_count() == 3  # modulus 11 never rejects


def test_age_and_pseudonym() -> None:
    born = pl.Series([dt.date(2008, 6, 15)] * 2)
    at = pl.Series([dt.date(2026, 6, 14), dt.date(2026, 6, 15)])
    ages = pl.DataFrame({"b": born, "a": at}).select(age=cpr.age_expr(pl.col("b"), pl.col("a")))["age"].to_list()
    assert ages == [17, 18]
    key = b"k" * 32
    ids = cpr.pseudonymise_column(pl.Series(["6101084009", None, "6101084009"]), key)
    assert ids.to_list() == [pseudonymise("6101084009", key), None, pseudonymise("6101084009", key)]
    assert pseudonymise("6101084009", key) != pseudonymise("6101084009", b"j" * 32)


def test_mask() -> None:
    assert cpr.mask("610108-4009") == "610108-xxxx"
    assert cpr.mask("6101084009") == "610108-xxxx"
    assert cpr.mask("12ab") == "xxxx"
    assert cpr.mask_text("forløb 6101084009 og 610108-4009") == "forløb 610108-xxxx og 610108-xxxx"


@st.composite
def fictitious_cpr(draw: st.DrawFn) -> tuple[str, dt.date]:
    digit7 = draw(st.integers(0, 9))
    yy = draw(st.integers(0, 99))
    year = _expected_year(yy, digit7)
    born = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    serial = f"{digit7}{draw(st.integers(0, 999)):03d}"
    return f"{born.day + 60:02d}{born.month:02d}{yy:02d}{serial}", born


@given(fictitious_cpr(), st.booleans())
def test_property_valid_fictitious_numbers(case: tuple[str, dt.date], dash: bool) -> None:
    number, born = case
    text = f"{number[:6]}-{number[6:]}" if dash else number
    frame = cpr.analyse(pl.Series([text]), allow_fictitious=True)
    assert frame["error"][0] is None
    assert frame["cpr10"][0] == number
    assert frame["birth_date"][0] == born
    assert frame["sex"][0] == ("M" if int(number[-1]) % 2 else "K")
    assert cpr.analyse(pl.Series([text]), allow_fictitious=False)["error"][0] == "cpr_fictitious"


# generated values are never real-looking CPR numbers: digits only from fictitious days (61-91)
FICTITIOUS_SHAPED = st.from_regex(r"\A(6[1-9]|[78][0-9]|9[01])[0-9]{4}-?[0-9]{4}\Z")
NOISE = st.text(alphabet=st.sampled_from(list("0-x æ/.")), max_size=14)


@given(st.lists(st.one_of(st.none(), NOISE, FICTITIOUS_SHAPED), max_size=20))
def test_property_never_crashes(values: list[str | None]) -> None:
    frame = cpr.analyse(pl.Series(values, dtype=pl.Utf8), allow_fictitious=True)
    assert frame.height == len(values)
    for value, row in zip(values, frame.iter_rows(named=True), strict=True):
        if row["cpr10"] is not None:
            assert len(row["cpr10"]) == 10 and row["cpr10"].isdigit()
            assert row["error"] is None and row["birth_date"] is not None
        if value is None or not value.strip():
            assert row["error"] is None and row["cpr10"] is None
        masked = cpr.mask(value)
        assert masked.endswith("-xxxx") and len(masked) == 11 or set(masked) <= {"x"}
