"""Pandera contracts (polars backend) for every incoming file type, on one strict shared base.

The models describe a file after its text has been parsed into types (dates, integers, numbers):
what each column must hold. Catalog-driven rules (codes per intervention, CPR, status/date logic)
live in `udbredelse.ingest.rules`, because they depend on the intervention being reported.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

COURSE_STATUSES = ["henvist", "ikke_startet", "i_gang", "gennemfoert", "afbrudt"]
MEASUREMENT_POINTS = ["start", "slut", "opfoelgning"]
MILESTONE_STATUSES = ["ikke_startet", "i_gang", "opfyldt"]
FORLOEB_ID_MAX = 64


class StrictBase(pa.DataFrameModel):
    """Shared base: exactly the declared columns, no coercion (the parser has typed them), lazy reports."""

    class Config:
        strict = True
        coerce = False


class MunicipalFile(StrictBase):
    """Every municipality file names its municipality and intervention on each row."""

    kommunekode: str = pa.Field(nullable=False, str_matches=r"^\d{3}$")
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

    pseudonym: str = pa.Field(nullable=False, str_matches=r"^[0-9a-f]{32}$")
    periode: str = pa.Field(nullable=False, str_matches=r"^\d{4}-(0[1-9]|1[0-2])$")
    indikator: str = pa.Field(nullable=False)
    vaerdi: pl.Float64 = pa.Field(nullable=False)


CONTRACTS: dict[str, type[StrictBase]] = {
    "courses": CourseContract,
    "sessions": SessionContract,
    "measurements": MeasurementContract,
    "targets": TargetContract,
    "milestones": MilestoneContract,
    "registry": RegistryContract,
}


def contract_columns(file_type: str) -> dict[str, pl.DataType]:
    """Column → polars dtype the parser must produce for this file type."""
    schema = CONTRACTS[file_type].to_schema()
    return {name: column.dtype.type for name, column in schema.columns.items()}
