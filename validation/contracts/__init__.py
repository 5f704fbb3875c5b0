"""Pandera contracts (polars backend) for every incoming file type: what a valid row is.

The models describe a file after its text has been parsed into types (dates, integers, numbers):
what each column must hold and, as dataframe checks, the rules between columns of one row (a course's
status and its dates, taxpasta style: the schema says what a valid row is). Each check's name is its
rule code; `ROW_RULES` says which column a failure is reported on and which value is echoed. Failures
of the `ADVISORIES` models are warnings (they never reject a row).

What stays in `udbredelse/ingest/check.py`: reading the failures into the Danish report, and the rules
that need more than one row or more than the file (duplicates within a file, the catalog's codes per
intervention, the sender's municipality, the reporting date, CPR).

The code lists come from the catalog (`udbredelse/catalog/common.yaml`), once; the CPR shape lives in
`udbredelse/cpr.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

from udbredelse.catalog import load_catalog
from udbredelse.settings import PACKAGE_ROOT

_COMMON = load_catalog(PACKAGE_ROOT / "catalog").common


def _codes(key: str) -> list[str]:
    return [item["code"] for item in _COMMON[key]]


COURSE_STATUSES = _codes("statuses")
MEASUREMENT_POINTS = _codes("measurement_points")
MILESTONE_STATUSES = _codes("milestone_statuses")
# What a course's status says about its dates.
ENDED_STATUSES = ["gennemfoert", "afbrudt"]
STARTED_STATUSES = ["i_gang", *ENDED_STATUSES]
NOT_STARTED_STATUSES = [s for s in COURSE_STATUSES if s not in STARTED_STATUSES]
FORLOEB_ID_MAX = 64
KOMMUNEKODE_PATTERN = r"^\d{3}$"
PSEUDONYM_PATTERN = r"^[0-9a-f]{32}$"
PERIODE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class RowRule:
    """How a dataframe check's failure is reported: on `column`, echoing `value` (a column of the checked
    frame, or `raw__<column>` for the text as read), with the message parameters `params`."""

    column: str
    value: str | None = None
    params: dict[str, str] = field(default_factory=dict)


ROW_RULES: dict[str, RowRule] = {
    "start_required": RowRule("startdato"),
    "start_not_allowed": RowRule("startdato", "raw__startdato", {"allowed": "/".join(NOT_STARTED_STATUSES)}),
    "end_required": RowRule("slutdato"),
    "end_not_allowed": RowRule("slutdato", "raw__slutdato"),
    "end_before_start": RowRule("slutdato", "raw__slutdato"),
    "end_reason_required": RowRule("afslutningsaarsag"),
    "referral_after_start": RowRule("henvisningsdato", "raw__henvisningsdato"),
    "end_reason_without_end": RowRule("afslutningsaarsag", "afslutningsaarsag"),
    "milestone_date_missing": RowRule("dato"),
}


def _holds(violation: pl.Expr) -> pl.Expr:
    """A row passes unless the violation is true (a comparison with a missing value is no violation)."""
    return ~violation.fill_null(False)


_status = pl.col("status")
_started, _ended, _not_started = (_status.is_in(STARTED_STATUSES), _status.is_in(ENDED_STATUSES),
                                  _status.is_in(NOT_STARTED_STATUSES))


class StrictBase(pa.DataFrameModel):
    """Shared base: exactly the declared columns, no coercion (the parser has typed them), lazy reports."""

    class Config:
        strict = True
        coerce = False


class MunicipalFile(StrictBase):
    """Every municipality file names its municipality and intervention on each row."""

    kommunekode: str = pa.Field(nullable=False, str_matches=KOMMUNEKODE_PATTERN)
    indsats: str = pa.Field(nullable=False)


class CourseContract(MunicipalFile):
    """Course file (forløbsfil): one row per course, a full snapshot as of the reporting date."""

    forloeb_id: str = pa.Field(nullable=False, str_length={"max_value": FORLOEB_ID_MAX})
    henvisningsdato: pl.Date = pa.Field(nullable=True)
    henvisningsaarsag: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=False, isin=COURSE_STATUSES)
    startdato: pl.Date = pa.Field(nullable=True)
    slutdato: pl.Date = pa.Field(nullable=True)
    afslutningsaarsag: str = pa.Field(nullable=True)
    antal_sessioner: pl.Int64 = pa.Field(nullable=True, ge=0)
    medarbejder_id: str = pa.Field(nullable=True, str_length={"max_value": FORLOEB_ID_MAX})

    @pa.dataframe_check(name="start_required")
    def start_required(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A course that is under way or has ended has a start date."""
        return data.lazyframe.select(_holds(_started & pl.col("startdato").is_null()))

    @pa.dataframe_check(name="start_not_allowed")
    def start_not_allowed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A course that has not started has no start date."""
        return data.lazyframe.select(_holds(_not_started & pl.col("startdato").is_not_null()))

    @pa.dataframe_check(name="end_required")
    def end_required(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A completed or interrupted course has an end date."""
        return data.lazyframe.select(_holds(_ended & pl.col("slutdato").is_null()))

    @pa.dataframe_check(name="end_not_allowed")
    def end_not_allowed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Only an ended course has an end date."""
        return data.lazyframe.select(_holds(~_ended & _status.is_not_null() & pl.col("slutdato").is_not_null()))

    @pa.dataframe_check(name="end_before_start")
    def end_before_start(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A course does not end before it starts."""
        return data.lazyframe.select(_holds(pl.col("slutdato") < pl.col("startdato")))

    @pa.dataframe_check(name="end_reason_required")
    def end_reason_required(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An interrupted course says why."""
        return data.lazyframe.select(_holds((_status == "afbrudt") & pl.col("afslutningsaarsag").is_null()))


class SessionContract(MunicipalFile):
    """Sessions: one row per session held."""

    forloeb_id: str = pa.Field(nullable=False, str_length={"max_value": FORLOEB_ID_MAX})
    sessionsdato: pl.Date = pa.Field(nullable=False)


class MeasurementContract(MunicipalFile):
    """Measurements: one row per instrument score at a point in the course."""

    forloeb_id: str = pa.Field(nullable=False, str_length={"max_value": FORLOEB_ID_MAX})
    redskab: str = pa.Field(nullable=False)
    tidspunkt: str = pa.Field(nullable=False, isin=MEASUREMENT_POINTS)
    dato: pl.Date = pa.Field(nullable=False)
    score: pl.Float64 = pa.Field(nullable=False)


class TargetContract(MunicipalFile):
    """Targets (måltal): planned number of courses per year."""

    aar: pl.Int64 = pa.Field(nullable=False, ge=2000, le=2100)
    maaltal: pl.Int64 = pa.Field(nullable=False, ge=0)


class MilestoneContract(MunicipalFile):
    """Implementation milestones and their status."""

    milepael: str = pa.Field(nullable=False)
    status: str = pa.Field(nullable=False, isin=MILESTONE_STATUSES)
    dato: pl.Date = pa.Field(nullable=True)


class RegistryContract(StrictBase):
    """Registry extract from Danmarks Statistik: pseudonymised, long format."""

    pseudonym: str = pa.Field(nullable=False, str_matches=PSEUDONYM_PATTERN)
    periode: str = pa.Field(nullable=False, str_matches=PERIODE_PATTERN)
    indikator: str = pa.Field(nullable=False)
    vaerdi: pl.Float64 = pa.Field(nullable=False)


class CourseAdvisories(pa.DataFrameModel):
    """Course rows that are valid but worth a second look (warnings)."""

    @pa.dataframe_check(name="referral_after_start")
    def referral_after_start(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_holds(pl.col("henvisningsdato") > pl.col("startdato")))

    @pa.dataframe_check(name="end_reason_without_end")
    def end_reason_without_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_holds(~_ended & pl.col("afslutningsaarsag").is_not_null()))


class MilestoneAdvisories(pa.DataFrameModel):
    """Milestone rows that are valid but worth a second look (warnings)."""

    @pa.dataframe_check(name="milestone_date_missing")
    def milestone_date_missing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_holds((_status == "opfyldt") & pl.col("dato").is_null()))


CONTRACTS: dict[str, type[StrictBase]] = {
    "courses": CourseContract,
    "sessions": SessionContract,
    "measurements": MeasurementContract,
    "targets": TargetContract,
    "milestones": MilestoneContract,
    "registry": RegistryContract,
}
ADVISORIES: dict[str, type[pa.DataFrameModel]] = {
    "courses": CourseAdvisories,
    "milestones": MilestoneAdvisories,
}


def contract_columns(file_type: str) -> dict[str, pl.DataType]:
    """Column → polars dtype the parser must produce for this file type."""
    schema = CONTRACTS[file_type].to_schema()
    return {name: column.dtype.type for name, column in schema.columns.items()}
