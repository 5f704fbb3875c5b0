"""Check one file: read it, type it, run the contract and the catalog rules, and split rows into accepted/rejected.

Pure with respect to storage (nothing is written): `validate_file` and `ingest_file` both call
`check_bytes`. All row rules are polars expressions over whole columns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import pandera.errors
import polars as pl

from udbredelse import cpr as cprmod
from udbredelse.catalog import Catalog
from udbredelse.ingest.headers import (
    COLUMNS,
    EXTRA_KNOWN,
    REQUIRED_COLUMNS,
    detect_file_type,
    reporting_date_from_name,
    type_from_name,
)
from udbredelse.ingest.messages import message
from udbredelse.ingest.parse import parse_bool, parse_date, parse_int, parse_number
from udbredelse.ingest.reader import ROW, FileProblem, RawTable, read_table
from udbredelse.settings import Settings
from validation.contracts import CONTRACTS, contract_columns

REGISTER_UPLOADER = "register"
ISSUE_SCHEMA = {
    "row": pl.Int64, "column": pl.Utf8, "severity": pl.Utf8, "code": pl.Utf8, "message": pl.Utf8, "value": pl.Utf8,
}
FREE_TEXT_COLUMNS = ("forloeb_id", "medarbejder_id")
MAX_VALUE_CHARS = 80


class Issues:
    """Collects errors and warnings as frames (one per rule), masked when turned into one frame."""

    def __init__(self) -> None:
        self._frames: list[pl.DataFrame] = []

    def file(self, code: str, column: str | None = None, severity: str = "error", **params: object) -> None:
        self._frames.append(pl.DataFrame(
            [{"row": None, "column": column, "severity": severity, "code": code,
              "message": message(code, column=column, **params), "value": None}],
            schema=ISSUE_SCHEMA,
        ))

    def rows(
        self, work: pl.DataFrame, mask: pl.Expr, column: str, code: str, severity: str = "error",
        value: str | None = None, **params: object,
    ) -> None:
        value_expr = pl.col(value).cast(pl.Utf8) if value and value in work.columns else pl.lit(None, pl.Utf8)
        hit = work.lazy().filter(mask.fill_null(False)).select(
            pl.col(ROW).alias("row"),
            pl.lit(column, pl.Utf8).alias("column"),
            pl.lit(severity).alias("severity"),
            pl.lit(code).alias("code"),
            pl.lit(message(code, column=column, **params)).alias("message"),
            value_expr.alias("value"),
        ).collect()
        if hit.height:
            self._frames.append(hit)

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self._frames.append(frame.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA))  # type: ignore[arg-type]

    def frame(self) -> pl.DataFrame:
        if not self._frames:
            return pl.DataFrame(schema=ISSUE_SCHEMA)
        frame = pl.concat(self._frames, how="vertical")
        value = pl.col("value").str.slice(0, MAX_VALUE_CHARS)
        masked = (
            pl.when(pl.col("column") == "cpr")
            .then(
                pl.when(value.str.replace_all(r"[- ]", "").str.contains(r"^\d{6}"))
                .then(value.str.replace_all(r"[- ]", "").str.slice(0, 6) + pl.lit("-xxxx"))
                .otherwise(pl.lit("x").repeat_by(value.str.len_chars().clip(0, 10)).list.join(""))
            )
            .otherwise(value.str.replace_all(r"(^|[^0-9])([0-9]{6})[- ]?[0-9]{4}([^0-9]|$)", "${1}${2}-xxxx${3}"))
        )
        return frame.with_columns(value=masked).sort(["row", "column"], nulls_last=False)


@dataclass
class Outcome:
    """The verdict on one file. Holds no clear CPR except `people`, which only the vault may receive."""

    file_id: str
    name: str
    size_bytes: int
    uploader: str | None
    received_at: dt.datetime
    file_type: str | None = None
    kommunekode: str | None = None
    indsats: str | None = None
    reporting_date: dt.date | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    rows_read: int = 0
    file_rejected: bool = False
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))
    accepted: pl.DataFrame | None = None            # typed rows to load (no clear CPR)
    items: pl.DataFrame | None = None               # forloeb_id, item_code, item_value (accepted courses)
    people: pl.DataFrame | None = field(default=None, repr=False)  # person_id, cpr10 → vault only
    rejected_ids: list[str] = field(default_factory=list)           # forloeb_id of rejected course rows
    rejected_rows: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={"forloeb_id": pl.Utf8, ROW: pl.Int64}))
    all_ids: list[str] = field(default_factory=list)                # every forloeb_id named in the file

    @property
    def rows_accepted(self) -> int:
        return 0 if self.file_rejected or self.accepted is None else self.accepted.height

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted

    @property
    def status(self) -> str:
        if self.file_rejected:
            return "rejected"
        if self.rows_rejected == 0:
            return "accepted"
        return "rejected" if self.rows_accepted == 0 else "partial"

    @property
    def errors(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == "error")

    @property
    def warnings(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == "warning")


def file_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_bytes(
    data: bytes,
    name: str,
    settings: Settings,
    catalog: Catalog,
    uploader: str | None,
    received_at: dt.datetime,
    require_uploader: bool = False,
) -> Outcome:
    """Read and check a file's bytes. Never raises for bad content: problems become issues.

    `uploader` is the sending municipality (or 'register'); with require_uploader (ingest), a file
    whose sender is unknown is rejected. In a dry run without uploader, the file's own code is used.
    """
    outcome = Outcome(file_id_of(data), name, len(data), uploader, received_at)
    issues = Issues()
    if require_uploader and uploader is None:
        issues.file("uploader_unknown")
        outcome.file_rejected = True
        outcome.issues = issues.frame()
        return outcome
    try:
        table = read_table(data, name, settings.max_upload_mb * 1024 * 1024)
        outcome.encoding, outcome.delimiter, outcome.sheet_name = table.encoding, table.delimiter, table.sheet_name
        outcome.rows_read = table.frame.height
        _check_table(table, outcome, issues, settings, catalog)
    except FileProblem as problem:
        issues.file(problem.code if problem.code != "formula" else "formula_header")
        outcome.file_rejected = True
    outcome.issues = issues.frame()
    if outcome.file_rejected:
        outcome.accepted = None
        outcome.items = None
        outcome.people = None
    return outcome


class _Reject(Exception):
    """File-level rejection inside the checks (issues already recorded)."""


def _check_table(table: RawTable, outcome: Outcome, issues: Issues, settings: Settings, catalog: Catalog) -> None:
    raw = table.frame
    columns = set(table.headers)
    file_type = detect_file_type(columns, type_from_name(outcome.name))
    outcome.file_type = file_type
    if file_type is None:
        issues.file("unknown_file_type")
        outcome.file_rejected = True
        return
    try:
        _file_rules(table, outcome, issues, settings, catalog)
    except _Reject:
        outcome.file_rejected = True
        return
    work = _parse(raw, file_type, outcome, issues, catalog)
    # cell-level problems from the reader (formulas, Excel errors, ragged rows)
    if table.cell_errors:
        cell = pl.DataFrame(
            [{"row": r, "column": c or None, "severity": "error", "code": code,
              "message": message(code, column=c), "value": None} for r, c, code in table.cell_errors],
            schema=ISSUE_SCHEMA,
        )
        issues.add(cell)
    _contract(work, file_type, issues)
    work = _catalog_rules(work, file_type, outcome, issues, settings, catalog)
    _split(work, file_type, outcome, issues, settings, catalog)


# ---- file-level rules ------------------------------------------------------------------------

def _mode(frame: pl.DataFrame, column: str) -> str | None:
    if column not in frame.columns:
        return None
    values = frame.get_column(column).drop_nulls()
    if values.len() == 0:
        return None
    return values.value_counts(sort=True).get_column(column)[0]


def _file_rules(table: RawTable, outcome: Outcome, issues: Issues, settings: Settings, catalog: Catalog) -> None:
    raw, file_type, columns = table.frame, outcome.file_type, set(table.headers)
    assert file_type is not None
    rejected = False
    uploader = outcome.uploader
    if file_type == "registry" and uploader not in (None, REGISTER_UPLOADER):
        issues.file("registry_not_allowed")
        raise _Reject
    if file_type != "registry" and uploader == REGISTER_UPLOADER:
        issues.file("registry_only")
        raise _Reject
    for column in REQUIRED_COLUMNS[file_type]:
        if column not in columns:
            issues.file("missing_column", column=column)
            rejected = True
    # reporting date: file name, else column, else the day received
    name_date = reporting_date_from_name(outcome.name)
    reporting = None
    if name_date:
        reporting = pl.select(parse_date(pl.lit(name_date, pl.Utf8))).item()
    if reporting is None and "indberetningsdato" in columns:
        text = _mode(raw, "indberetningsdato")
        reporting = pl.select(parse_date(pl.lit(text, pl.Utf8))).item() if text else None
    outcome.reporting_date = reporting or outcome.received_at.date()
    if file_type == "registry":
        if rejected:
            raise _Reject
        return
    # intervention: one per file
    indsats_values = raw.get_column("indsats").str.to_uppercase() if "indsats" in columns else None
    indsats = None
    if indsats_values is not None and indsats_values.drop_nulls().len():
        indsats = indsats_values.drop_nulls().value_counts(sort=True).get_column("indsats")[0]
    if indsats is None:  # no rows (e.g. header only): the file name may name the intervention
        stem = outcome.name.rsplit(".", 1)[0].upper().replace("-", "_")
        indsats = next((part for part in stem.split("_") if part in catalog.interventions), None)
    intervention = catalog.intervention(indsats) if indsats else None
    if "indsats" in columns and intervention is None:
        issues.file("unknown_indsats")
        rejected = True
    outcome.indsats = intervention.code if intervention else indsats
    # municipality: must be the uploader's
    if "kommunekode" in columns:
        codes = raw.get_column("kommunekode")
        if uploader is not None:
            if codes.drop_nulls().len() and not (codes == uploader).any():
                issues.file("wrong_kommune", uploader=uploader)
                rejected = True
            outcome.kommunekode = uploader
        else:
            mode = _mode(raw, "kommunekode")
            if mode is None and raw.height:
                issues.file("missing_kommune")
                rejected = True
            outcome.kommunekode = mode
    if file_type == "courses" and intervention is not None:
        has_cpr_values = "cpr" in columns and raw.get_column("cpr").drop_nulls().len() > 0
        if intervention.collects_cpr and "cpr" not in columns:
            issues.file("missing_column", column="cpr")
            rejected = True
        if not intervention.collects_cpr and has_cpr_values:
            issues.file("cpr_forbidden", column="cpr")
            rejected = True
        elif not intervention.collects_cpr and "cpr" in columns:
            issues.file("cpr_column_empty", column="cpr", severity="warning")
        for item in intervention.items:
            if item.required and item.code not in columns:
                issues.file("missing_column", column=item.code)
                rejected = True
    known = set(COLUMNS[file_type]) | set(EXTRA_KNOWN)
    if file_type == "courses" and intervention is not None:
        known |= {item.code for item in intervention.items}
    for column in table.headers:
        if column not in known and not (column == "cpr" and file_type == "courses"):
            issues.file("unknown_column", column=column, severity="warning")
    if rejected:
        raise _Reject


# ---- typing ----------------------------------------------------------------------------------

def _parse(raw: pl.DataFrame, file_type: str, outcome: Outcome, issues: Issues, catalog: Catalog) -> pl.DataFrame:
    """Keep the text of every column as raw__<col> and add the typed column under its own name."""
    dtypes = contract_columns(file_type)
    text_cols = [c for c in raw.columns if c != ROW]
    work = raw.rename({c: f"raw__{c}" for c in text_cols})
    lower_codes = {"status", "henvisningsaarsag", "afslutningsaarsag", "tidspunkt", "milepael", "indikator", "redskab"}
    exprs: list[pl.Expr] = []
    checks: list[tuple[str, str]] = []
    for column, dtype in dtypes.items():
        src = pl.col(f"raw__{column}") if column in text_cols else pl.lit(None, pl.Utf8)
        if dtype == pl.Date:
            exprs.append(parse_date(src).alias(column))
            checks.append((column, "date_format"))
        elif dtype == pl.Int64:
            exprs.append(parse_int(src).alias(column))
            checks.append((column, "integer_format"))
        elif dtype == pl.Float64:
            exprs.append(parse_number(src).alias(column))
            checks.append((column, "number_format"))
        elif column == "indsats":
            exprs.append(src.str.to_uppercase().alias(column))
        elif column in lower_codes:
            exprs.append(src.str.to_lowercase().alias(column))
        else:
            exprs.append(src.alias(column))
    if file_type == "courses" and outcome.indsats and catalog.intervention(outcome.indsats):
        for item in catalog.intervention(outcome.indsats).items:  # type: ignore[union-attr]
            if item.code in text_cols:
                exprs.append(parse_bool(pl.col(f"raw__{item.code}")).alias(f"item__{item.code}"))
    work = work.with_columns(exprs)
    for column, code in checks:
        if column in text_cols:
            issues.rows(work, pl.col(f"raw__{column}").is_not_null() & pl.col(column).is_null(), column, code,
                        value=f"raw__{column}")
    return work


# ---- the pandera contract --------------------------------------------------------------------

_CHECK_CODES = (
    ("not_nullable", "required"),
    ("str_length", "too_long"),
    ("isin", "invalid_code"),
    ("greater_than_or_equal_to", "out_of_range"),
    ("less_than_or_equal_to", "out_of_range"),
    ("in_range", "out_of_range"),
    ("str_matches", "format"),
)
_FORMAT_HINTS = {"kommunekode": "tre cifre, fx 101", "pseudonym": "32 tegn 0-9/a-f", "periode": "ÅÅÅÅ-MM, fx 2026-03"}


def _allowed_from_check(check: str, column: str) -> str:
    if check.startswith("str_matches"):
        return _FORMAT_HINTS.get(column, "se vejledningen")
    inner = check[check.find("(") + 1: check.rfind(")")] if "(" in check else ""
    return re.sub(r"[\[\]']", "", inner)


def _contract(work: pl.DataFrame, file_type: str, issues: Issues) -> None:
    model = CONTRACTS[file_type]
    columns = list(contract_columns(file_type))
    try:
        model.validate(work.select(columns), lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if not isinstance(cases, pl.DataFrame):
            cases = pl.from_pandas(cases)
        rows = work.get_column(ROW)
        already = _error_cells(issues)
        out = []
        for case in cases.iter_rows(named=True):
            index, column, check = case.get("index"), case.get("column"), str(case.get("check") or "")
            code = next((c for prefix, c in _CHECK_CODES if check.startswith(prefix)), None)
            if index is None or code is None or column is None:
                out.append({"row": None, "column": column, "severity": "error", "code": "internal_error",
                            "message": message("internal_error"), "value": None})
                continue
            row = int(rows[int(index)])
            if (row, column) in already:
                continue
            out.append({"row": row, "column": column, "severity": "error", "code": code,
                        "message": message(code, column=column, allowed=_allowed_from_check(check, column)),
                        "value": None if case.get("failure_case") is None else str(case["failure_case"])})
        issues.add(pl.DataFrame(out, schema=ISSUE_SCHEMA))


def _error_cells(issues: Issues) -> set[tuple[int, str]]:
    frames = [f for f in issues._frames if f.height]
    if not frames:
        return set()
    errs = pl.concat(frames).filter((pl.col("severity") == "error") & pl.col("row").is_not_null())
    return {(r, c) for r, c in errs.select("row", "column").iter_rows()}


# ---- catalog-driven rules --------------------------------------------------------------------

def _code_rule(work: pl.DataFrame, issues: Issues, column: str, allowed: set[str], code: str = "invalid_code") -> None:
    if column in work.columns:
        issues.rows(work, pl.col(column).is_not_null() & ~pl.col(column).is_in(sorted(allowed)), column, code,
                    value=column, allowed=", ".join(sorted(allowed)))


def _catalog_rules(
    work: pl.DataFrame, file_type: str, outcome: Outcome, issues: Issues, settings: Settings, catalog: Catalog,
) -> pl.DataFrame:
    reporting = outcome.reporting_date
    dtypes = contract_columns(file_type)
    for column, dtype in dtypes.items():  # no date after the reporting date
        if dtype == pl.Date and reporting is not None:
            issues.rows(work, pl.col(column) > pl.lit(reporting), column, "future_date", value=f"raw__{column}",
                        reporting_date=reporting.isoformat())
    if file_type == "registry":
        indicators = {r["code"] for r in catalog.common.get("register_indicators", [])}
        _code_rule(work, issues, "indikator", indicators)
        keys = ["pseudonym", "periode", "indikator"]
        issues.rows(work, pl.struct(keys).is_duplicated() & pl.all_horizontal(pl.col(keys).is_not_null()),
                    "indikator", "duplicate_key", allowed="pseudonym, periode, indikator")
        return work
    # municipality and intervention on every row
    kommuner = sorted(catalog.municipalities)
    issues.rows(work, pl.col("kommunekode").is_not_null() & pl.col("kommunekode").str.contains(r"^\d{3}$")
                & ~pl.col("kommunekode").is_in(kommuner), "kommunekode", "kommunekode_unknown", value="kommunekode")
    if outcome.kommunekode:
        issues.rows(work, pl.col("kommunekode").is_in(kommuner) & (pl.col("kommunekode") != outcome.kommunekode),
                    "kommunekode", "kommune_mismatch", value="kommunekode", uploader=outcome.kommunekode)
    if outcome.indsats:
        issues.rows(work, pl.col("indsats").is_not_null() & (pl.col("indsats") != outcome.indsats),
                    "indsats", "indsats_mismatch", value="indsats", indsats=outcome.indsats)
    intervention = catalog.intervention(outcome.indsats or "")
    for column in FREE_TEXT_COLUMNS:
        if column in work.columns:
            issues.rows(work, cprmod.looks_like_cpr_expr(column), column, "cpr_in_text", value=column)
    if intervention is None:
        return work
    code = intervention.code
    if file_type == "courses":
        work = _course_rules(work, outcome, issues, settings, catalog)
    elif file_type == "measurements":
        instruments = {i.code: i for i in intervention.instruments}
        _code_rule(work, issues, "redskab", set(instruments))
        for inst in instruments.values():
            is_inst = pl.col("redskab") == inst.code
            issues.rows(work, is_inst & ((pl.col("score") < inst.score_min) | (pl.col("score") > inst.score_max)),
                        "score", "out_of_range", value="raw__score", allowed=f"{inst.score_min:g}–{inst.score_max:g}")
            issues.rows(work, is_inst & pl.col("tidspunkt").is_not_null() & ~pl.col("tidspunkt").is_in(inst.points)
                        & pl.col("tidspunkt").is_in(["start", "slut", "opfoelgning"]),
                        "tidspunkt", "timepoint_unexpected", severity="warning", value="tidspunkt",
                        allowed=", ".join(inst.points))
    elif file_type == "targets":
        keys = ["kommunekode", "indsats", "aar"]
        issues.rows(work, pl.struct(keys).is_duplicated() & pl.col("aar").is_not_null(), "aar", "duplicate_key",
                    value="raw__aar", allowed="kommune, indsats, år")
    elif file_type == "milestones":
        _code_rule(work, issues, "milepael", {m.code for m in catalog.milestones_for(code)})
        issues.rows(work, pl.col("milepael").is_duplicated() & pl.col("milepael").is_not_null(), "milepael",
                    "duplicate_key", value="milepael", allowed="milepæl")
        issues.rows(work, (pl.col("status") == "opfyldt") & pl.col("dato").is_null(), "dato",
                    "milestone_date_missing", severity="warning")
    return work


def _course_rules(
    work: pl.DataFrame, outcome: Outcome, issues: Issues, settings: Settings, catalog: Catalog,
) -> pl.DataFrame:
    intervention = catalog.intervention(outcome.indsats or "")
    assert intervention is not None
    code = intervention.code
    _code_rule(work, issues, "henvisningsaarsag", catalog.referral_codes(code))
    _code_rule(work, issues, "afslutningsaarsag", catalog.end_codes(code))
    status = pl.col("status")
    started = status.is_in(["i_gang", "gennemfoert", "afbrudt"])
    ended = status.is_in(["gennemfoert", "afbrudt"])
    not_started = status.is_in(["henvist", "ikke_startet"])
    raw_start = pl.col("raw__startdato") if "raw__startdato" in work.columns else pl.lit(None, pl.Utf8)
    issues.rows(work, started & raw_start.is_null(), "startdato", "start_required")
    issues.rows(work, not_started & pl.col("startdato").is_not_null(), "startdato", "start_not_allowed",
                value="raw__startdato", allowed="henvist/ikke_startet")
    raw_end = pl.col("raw__slutdato") if "raw__slutdato" in work.columns else pl.lit(None, pl.Utf8)
    issues.rows(work, ended & raw_end.is_null(), "slutdato", "end_required")
    issues.rows(work, ~ended & status.is_not_null() & pl.col("slutdato").is_not_null(), "slutdato", "end_not_allowed",
                value="raw__slutdato")
    issues.rows(work, pl.col("slutdato") < pl.col("startdato"), "slutdato", "end_before_start", value="raw__slutdato")
    issues.rows(work, (status == "afbrudt") & pl.col("afslutningsaarsag").is_null(), "afslutningsaarsag",
                "end_reason_required")
    issues.rows(work, ~ended & pl.col("afslutningsaarsag").is_not_null(), "afslutningsaarsag",
                "end_reason_without_end", severity="warning", value="afslutningsaarsag")
    issues.rows(work, pl.col("henvisningsdato") > pl.col("startdato"), "henvisningsdato", "referral_after_start",
                severity="warning", value="raw__henvisningsdato")
    issues.rows(work, pl.col("forloeb_id").is_duplicated() & pl.col("forloeb_id").is_not_null(), "forloeb_id",
                "duplicate_id", value="forloeb_id")
    # catalog items: ja/nej, required ones must be filled
    for item in intervention.items:
        typed = f"item__{item.code}"
        if typed not in work.columns:
            continue
        raw_item = pl.col(f"raw__{item.code}")
        issues.rows(work, raw_item.is_not_null() & pl.col(typed).is_null(), item.code, "item_value",
                    value=f"raw__{item.code}")
        if item.required:
            issues.rows(work, raw_item.is_null(), item.code, "required")
    # CPR
    if intervention.collects_cpr and "raw__cpr" in work.columns:
        checked = cprmod.analyse(work.get_column("raw__cpr"), allow_fictitious=settings.is_demo)
        work = work.with_columns(
            cpr10=checked.get_column("cpr10"),
            cpr_error=checked.get_column("error"),
            cpr_mod11=checked.get_column("mod11_warning"),
            birth_date=checked.get_column("birth_date"),
            sex=checked.get_column("sex"),
        )
        issues.rows(work, pl.col("raw__cpr").is_null(), "cpr", "cpr_missing")
        for rule in ("cpr_format", "cpr_date", "cpr_fictitious"):
            issues.rows(work, pl.col("cpr_error") == rule, "cpr", rule, value="raw__cpr")
        if outcome.reporting_date is not None:
            issues.rows(work, pl.col("birth_date") > pl.lit(outcome.reporting_date), "cpr", "cpr_date",
                        value="raw__cpr")
        issues.rows(work, pl.col("cpr_mod11"), "cpr", "cpr_mod11", severity="warning", value="raw__cpr")
    return work


# ---- accepted / rejected ---------------------------------------------------------------------

def _split(
    work: pl.DataFrame, file_type: str, outcome: Outcome, issues: Issues, settings: Settings, catalog: Catalog,
) -> None:
    current = issues.frame()
    bad_rows = current.filter((pl.col("severity") == "error") & pl.col("row").is_not_null()).get_column("row").unique()
    if current.filter((pl.col("severity") == "error") & pl.col("row").is_null()).height:
        outcome.file_rejected = True
        return
    is_bad = pl.col(ROW).is_in(bad_rows.implode())
    accepted = work.filter(~is_bad)
    if file_type == "courses":
        outcome.all_ids = work.get_column("forloeb_id").drop_nulls().unique().to_list()
        outcome.rejected_rows = (
            work.filter(is_bad & pl.col("forloeb_id").is_not_null()).group_by("forloeb_id").agg(pl.col(ROW).min())
        )
        outcome.rejected_ids = outcome.rejected_rows.get_column("forloeb_id").to_list()
    columns = [ROW, *contract_columns(file_type)]
    if file_type == "courses":
        intervention = catalog.intervention(outcome.indsats or "")
        reference = pl.coalesce(pl.col("startdato"), pl.col("henvisningsdato"), pl.lit(outcome.reporting_date))
        if intervention is not None and intervention.collects_cpr and "cpr10" in accepted.columns:
            person = cprmod.pseudonymise_column(accepted.get_column("cpr10"), settings.pseudonym_key_bytes)
            accepted = accepted.with_columns(person_id=person).with_columns(
                pseudonym_key_id=pl.when(pl.col("person_id").is_not_null()).then(pl.lit(settings.pseudonym_key_id)),
                age_at_start=cprmod.age_expr(pl.col("birth_date"), reference),
            )
            outcome.people = accepted.select("person_id", "cpr10").drop_nulls()
        else:
            accepted = accepted.with_columns(
                person_id=pl.lit(None, pl.Utf8), pseudonym_key_id=pl.lit(None, pl.Utf8),
                sex=pl.lit(None, pl.Utf8), age_at_start=pl.lit(None, pl.Int32),
            )
        items = []
        if intervention is not None:
            for item in intervention.items:
                typed = f"item__{item.code}"
                if typed in accepted.columns:
                    items.append(accepted.select(
                        "forloeb_id", pl.lit(item.code).alias("item_code"), pl.col(typed).alias("item_value")
                    ))
        outcome.items = pl.concat(items) if items else pl.DataFrame(
            schema={"forloeb_id": pl.Utf8, "item_code": pl.Utf8, "item_value": pl.Boolean}
        )
        columns += ["person_id", "pseudonym_key_id", "sex", "age_at_start"]
    outcome.accepted = accepted.select(columns)
