"""Check files: read them, type them, run the contract and the catalog rules, split rows into accepted/rejected.

Pure with respect to storage (nothing is written). Files are checked in batches: every file is read
and given its file-level checks on its own, then all files of one type are stacked into one frame
(with the file's index and its context: reporting date, uploader, intervention) and the pandera
contract and the catalog rules run once over the whole stack as polars expressions. Results are
split back per file, so each file keeps its own verdict and report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field

import pandera.errors
import pandera.polars as pa
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
from udbredelse.ingest.messages import MESSAGES, message
from udbredelse.ingest.parse import (
    EARLIEST_DATE,
    has_two_digit_year,
    parse_bool,
    parse_date,
    parse_date_scalar,
    parse_int,
    parse_number,
)
from udbredelse.ingest.reader import ROW, FileProblem, RawTable, read_table
from udbredelse.settings import Settings
from validation.contracts import (
    ADVISORIES,
    CONTRACTS,
    MEASUREMENT_POINTS,
    PSEUDONYM_PATTERN,
    ROW_RULES,
    contract_columns,
)

log = logging.getLogger("udbredelse.ingest")

REGISTER_UPLOADER = "register"
FILE = "_file"                 # index of the file within a batch
CTX_DATE, CTX_KOMMUNE, CTX_INDSATS = "_reporting_date", "_kommune", "_indsats"
ISSUE_SCHEMA = {
    "row": pl.Int64, "column": pl.Utf8, "severity": pl.Utf8, "code": pl.Utf8, "message": pl.Utf8, "value": pl.Utf8,
}
BATCH_ISSUE_SCHEMA = {FILE: pl.Int32, **ISSUE_SCHEMA, "_src": pl.Utf8}
MAX_VALUE_CHARS = 80
MAX_CODE_CHARS = 20          # an unknown indsats or kommunekode is echoed at most this long
UNKNOWN_COLUMNS_SHOWN = 5


def _message_expr(code: str, dynamic: dict[str, pl.Expr] | None, params: dict[str, object]) -> pl.Expr:
    """The Danish message; placeholders in `dynamic` are filled per row (e.g. the file's reporting date)."""
    if not dynamic:
        return pl.lit(message(code, **params))
    text = MESSAGES.get(code, code)
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    pieces = re.split(r"\{(\w+)\}", text)
    exprs = [pl.lit(p) if i % 2 == 0 else dynamic.get(p, pl.lit("")).cast(pl.Utf8).fill_null("")
             for i, p in enumerate(pieces)]
    return pl.concat_str(exprs)


def mask_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Values echoed in reports: CPR column at most 'DDMMYY-xxxx', CPR-like numbers elsewhere masked too."""
    value = pl.col("value")
    compact = value.str.replace_all(cprmod.SEPARATOR, "")
    masked = (
        pl.when(pl.col("column") == "cpr")
        .then(
            pl.when(compact.str.contains(r"^\d{6}"))
            .then(compact.str.slice(0, 6) + pl.lit("-xxxx"))
            .otherwise(pl.lit("x").repeat_by(value.str.len_chars().clip(0, 10)).list.join(""))
        )
        # mask before cutting: a cut through a number would leave most of its digits in clear
        .otherwise(cprmod.mask_text_expr(value).str.slice(0, MAX_VALUE_CHARS))
    )
    # a header cell may itself hold a number (echoed as the column name, also inside messages)
    return frame.with_columns(value=cprmod.echo_expr(masked), column=cprmod.echo_expr(pl.col("column")),
                              message=cprmod.echo_expr(pl.col("message"), limit=None))


class _FileIssues:
    """File-level issues of one file (row null)."""

    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def file(self, code: str, column: str | None = None, severity: str = "error", **params: object) -> None:
        self.items.append({"row": None, "column": column, "severity": severity, "code": code,
                           "message": message(code, column=column, **params), "value": None})

    def cells(self, cell_errors: list[tuple[int, str, str]]) -> None:
        for row, column, code in cell_errors:
            self.items.append({"row": row, "column": column or None, "severity": "error", "code": code,
                               "message": message(code, column=column), "value": None})

    def frame(self, index: int) -> pl.DataFrame:
        return pl.DataFrame([{FILE: index, **i, "_src": "file"} for i in self.items], schema=BATCH_ISSUE_SCHEMA)

    @property
    def has_file_error(self) -> bool:
        return any(i["severity"] == "error" and i["row"] is None for i in self.items)


class _RowIssues:
    """Row rules as deferred specs over the stacked frame, evaluated together in one polars query."""

    def __init__(self) -> None:
        self.specs: list[tuple[pl.Expr, str, str, str, pl.Expr, pl.Expr, str]] = []
        self.frames: list[pl.DataFrame] = []

    def rows(
        self, mask: pl.Expr, column: str, code: str, severity: str = "error", value: str | None = None,
        dynamic: dict[str, pl.Expr] | None = None, src: str = "rule", **params: object,
    ) -> None:
        self.specs.append((mask, column, code, severity, _message_expr(code, dynamic, {"column": column, **params}),
                           pl.col(value).cast(pl.Utf8) if value else pl.lit(None, pl.Utf8), src))

    def evaluate(self, work: pl.DataFrame) -> pl.DataFrame:
        lazy = work.lazy()
        parts = [
            lazy.filter(mask.fill_null(False)).select(
                pl.col(FILE).cast(pl.Int32), pl.col(ROW).alias("row"), pl.lit(column, pl.Utf8).alias("column"),
                pl.lit(severity).alias("severity"), pl.lit(code).alias("code"), msg.alias("message"),
                value.alias("value"), pl.lit(src).alias("_src"),
            )
            for mask, column, code, severity, msg, value, src in self.specs
            if _columns_present(work, mask, value)
        ]
        frames = [f.cast(BATCH_ISSUE_SCHEMA) for f in self.frames]  # type: ignore[arg-type]
        if parts:
            frames.append(pl.concat(parts, how="vertical").collect().cast(BATCH_ISSUE_SCHEMA))  # type: ignore[arg-type]
        if not frames:
            return pl.DataFrame(schema=BATCH_ISSUE_SCHEMA)
        issues = pl.concat(frames, how="vertical")
        # a cell that failed to parse is reported once (not again as 'required' by the contract)
        parse_cells = issues.filter(pl.col("_src") == "parse").select(FILE, "row", "column")
        contract = issues.filter(pl.col("_src") == "contract").join(
            parse_cells, on=[FILE, "row", "column"], how="anti", nulls_equal=True)
        return pl.concat([issues.filter(pl.col("_src") != "contract"), contract], how="vertical")


def _columns_present(work: pl.DataFrame, *exprs: pl.Expr) -> bool:
    names = set(work.columns)
    return all(set(e.meta.root_names()) <= names for e in exprs)


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
    rejected_rows: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"forloeb_id": pl.Utf8, ROW: pl.Int64}))
    all_ids: list[str] = field(default_factory=list)                # every forloeb_id named in the file

    @property
    def empty_snapshot(self) -> bool:
        """A course file with a header and no rows: loaded, it would empty the municipality's courses."""
        return self.file_type == "courses" and not self.file_rejected and self.rows_read == 0

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
        if self.issues.height == 0:  # most files: skip a polars query
            return self.issues
        return self.issues.filter(pl.col("severity") == "error")

    @property
    def warnings(self) -> pl.DataFrame:
        if self.issues.height == 0:
            return self.issues
        return self.issues.filter(pl.col("severity") == "warning")


@dataclass
class Entry:
    """One file to check: its bytes and where it came from."""

    data: bytes
    name: str                       # as echoed: masked, no control characters, cut (cpr.echo)
    uploader: str | None
    received_at: dt.datetime
    name_unreadable: bool = False   # the name on disk was not valid UTF-8


@dataclass
class Prepared:
    """A file after reading and its file-level checks (stage 1 of a batch)."""

    index: int
    outcome: Outcome
    file_issues: _FileIssues
    frame: pl.DataFrame | None = None   # raw__<col> text columns + _row + context, None when rejected


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
    """Check one file's bytes (a batch of one). Never raises for bad content: problems become issues."""
    return check_many([Entry(data, name, uploader, received_at)], settings, catalog, require_uploader)[0]


def check_many(entries: list[Entry], settings: Settings, catalog: Catalog, require_uploader: bool = False) -> list[Outcome]:
    """Check a batch of files; each gets its own Outcome.

    `uploader` is the sending municipality (or 'register'); with require_uploader (ingest), a file
    whose sender is unknown is rejected. In a dry run without uploader, the file's own code is used.
    """
    prepared = [prepare(i, e, settings, catalog, require_uploader) for i, e in enumerate(entries)]
    return finish_safely(prepared, settings, catalog)


def _internal_error(index: int, entry: Entry) -> Prepared:
    """A file the checks could not handle: rejected as a whole, with no detail that could hold data."""
    outcome = Outcome(file_id_of(entry.data), entry.name, len(entry.data), entry.uploader, entry.received_at)
    outcome.file_rejected = True
    issues = _FileIssues()
    issues.file("internal_error")
    return Prepared(index, outcome, issues)


def prepare(index: int, entry: Entry, settings: Settings, catalog: Catalog, require_uploader: bool) -> Prepared:
    """Stage 1: read one file and run its file-level checks. Never raises."""
    try:
        return _prepare(index, entry, settings, catalog, require_uploader)
    except Exception as exc:  # never let a file's content surface in an exception text
        log.error("file %s: internal error while reading (%s)", file_id_of(entry.data)[:12], type(exc).__name__)
        return _internal_error(index, entry)


def finish_safely(prepared: list[Prepared], settings: Settings, catalog: Catalog) -> list[Outcome]:
    """Stage 2 for a batch; if the batch fails, each file alone; a file that still fails is rejected."""
    try:
        return finish(prepared, settings, catalog)
    except Exception as exc:
        log.error("batch check failed (%s); checking file by file", type(exc).__name__)
    outcomes = []
    for p in prepared:
        try:
            outcomes.extend(finish([p], settings, catalog))
        except Exception as exc:
            log.error("file %s: internal error while checking (%s)", p.outcome.file_id[:12], type(exc).__name__)
            failed = Prepared(p.index, p.outcome, _FileIssues())
            failed.file_issues.file("internal_error")
            p.outcome.file_rejected = True
            outcomes.extend(finish([failed], settings, catalog))
    return outcomes


def _prepare(index: int, entry: Entry, settings: Settings, catalog: Catalog, require_uploader: bool) -> Prepared:
    outcome = Outcome(file_id_of(entry.data), cprmod.echo(entry.name) or "", len(entry.data), entry.uploader,
                      entry.received_at)
    # what the sender and the name say, so that even a rejected file is counted for its municipality
    if entry.uploader not in (None, REGISTER_UPLOADER):
        outcome.kommunekode = entry.uploader
    stem = entry.name.rsplit(".", 1)[0].upper().replace("-", "_")
    outcome.indsats = next((part for part in stem.split("_") if part in catalog.interventions), None)
    outcome.file_type = type_from_name(entry.name)
    issues = _FileIssues()
    prepared = Prepared(index, outcome, issues)
    if entry.name_unreadable:
        issues.file("file_name_encoding")
        outcome.file_rejected = True
        return prepared
    if require_uploader and entry.uploader is None:
        issues.file("uploader_unknown")
        outcome.file_rejected = True
        return prepared
    try:
        table = read_table(entry.data, entry.name, settings.max_upload_mb * 1024 * 1024)
    except FileProblem as problem:
        issues.file(problem.code if problem.code != "formula" else "formula_header", **problem.params)
        outcome.file_rejected = True
        return prepared
    outcome.encoding, outcome.delimiter = table.encoding, table.delimiter
    outcome.sheet_name = cprmod.echo(table.sheet_name)  # a sheet named "<CPR> Forløb" is echoed masked
    outcome.rows_read = table.frame.height
    outcome.file_type = detect_file_type(set(table.headers), type_from_name(outcome.name))
    if outcome.file_type is None:
        issues.file("unknown_file_type")
        outcome.file_rejected = True
        return prepared
    try:
        _file_rules(table, outcome, issues, catalog)
    except _Reject:
        outcome.file_rejected = True
        return prepared
    keep = set(COLUMNS[outcome.file_type]) | {"cpr"}
    intervention = catalog.intervention(outcome.indsats or "")
    if intervention is not None:
        keep |= {item.code for item in intervention.items}
    # a formula or an Excel error in a column that is not ours (a helper column) is ignored with that column
    issues.cells([e for e in table.cell_errors if not e[1] or e[1] in keep])
    columns = [c for c in table.frame.columns if c in keep]
    prepared.frame = table.frame.select(
        pl.lit(index, pl.Int32).alias(FILE),
        ROW,
        *[pl.col(c).alias(f"raw__{c}") for c in columns],
        pl.lit(outcome.reporting_date, pl.Date).alias(CTX_DATE),
        pl.lit(outcome.uploader if outcome.uploader not in (None, REGISTER_UPLOADER) else outcome.kommunekode,
               pl.Utf8).alias(CTX_KOMMUNE),
        pl.lit(outcome.indsats, pl.Utf8).alias(CTX_INDSATS),
    )
    return prepared


def finish(prepared: list[Prepared], settings: Settings, catalog: Catalog) -> list[Outcome]:
    """Stage 2: stack the prepared files per type, run contract + rules once, split back per file."""
    per_file: dict[int, list[pl.DataFrame]] = {p.index: [p.file_issues.frame(p.index)] for p in prepared}
    by_index = {p.index: p for p in prepared}
    by_type: dict[str, list[int]] = {}
    for p in prepared:
        if p.frame is not None and not p.outcome.file_rejected:
            by_type.setdefault(p.outcome.file_type or "", []).append(p.index)
    for file_type, indices in by_type.items():
        stacked = pl.concat([by_index[i].frame for i in indices], how="diagonal_relaxed")  # type: ignore[misc]
        rows = _RowIssues()
        for i in indices:
            if per_file[i][0].height == 0:
                continue
            cells = per_file[i][0].filter(pl.col("row").is_not_null())
            if cells.height:
                rows.frames.append(cells)
        work = _parse(stacked, file_type, rows, catalog)
        _contract(work, file_type, rows)
        work = _catalog_rules(work, file_type, rows, settings, catalog)
        issues = rows.evaluate(work)
        for i in indices:  # the cell errors were moved into the stacked issues
            if per_file[i][0].height:
                per_file[i] = [per_file[i][0].filter(pl.col("row").is_null())]
        for key, part in issues.partition_by(FILE, as_dict=True).items():
            per_file[int(key[0])].append(part)
        _split(work, file_type, issues, [by_index[i].outcome for i in indices], indices, settings, catalog)
    outcomes = []
    for p in prepared:
        parts = [f for f in per_file[p.index] if f.height]
        if not parts:  # most files: no issues, no polars queries
            p.outcome.issues = per_file[p.index][0].select(list(ISSUE_SCHEMA))
        else:
            frame = pl.concat(parts, how="vertical")
            if frame.filter((pl.col("severity") == "error") & pl.col("row").is_null()).height:
                p.outcome.file_rejected = True
            frame = mask_values(frame.select(list(ISSUE_SCHEMA)))
            p.outcome.issues = frame.sort(["row", "column", "code"], nulls_last=False)
        if p.outcome.file_rejected:
            p.outcome.accepted = p.outcome.items = p.outcome.people = None
        outcomes.append(p.outcome)
    return outcomes


class _Reject(Exception):
    """File-level rejection inside the checks (issues already recorded)."""


def _mode(frame: pl.DataFrame, column: str) -> str | None:
    if column not in frame.columns:
        return None
    values = frame.get_column(column).drop_nulls()
    if values.len() == 0:
        return None
    return values.value_counts(sort=True).get_column(column)[0]


def _file_rules(table: RawTable, outcome: Outcome, issues: _FileIssues, catalog: Catalog) -> None:
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
        reporting = parse_date_scalar(name_date)
    if reporting is None and "indberetningsdato" in columns:
        text = _mode(raw, "indberetningsdato")
        reporting = parse_date_scalar(text) if text else None
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
    outcome.indsats = intervention.code if intervention else cprmod.echo(indsats, limit=MAX_CODE_CHARS)
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
            outcome.kommunekode = cprmod.echo(mode, limit=MAX_CODE_CHARS)
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
    _unknown_columns(table.headers, known | ({"cpr"} if file_type == "courses" else set()), issues)
    if rejected:
        raise _Reject


def _unknown_columns(headers: list[str], known: set[str], issues: _FileIssues) -> None:
    """Columns that are not ours are ignored: one warning per kind (named, unnamed), naming a few."""
    unknown = [h for h in headers if h not in known]
    unnamed = [h for h in unknown if h.startswith("kolonne_") and h[len("kolonne_"):].isdigit()]
    named = [h for h in unknown if h not in unnamed]
    for code, columns in (("unknown_columns", named), ("unnamed_columns", unnamed)):
        if len(columns) == 1 and code == "unknown_columns":
            issues.file("unknown_column", column=columns[0], severity="warning")
        elif columns:
            shown = ", ".join(columns[:UNKNOWN_COLUMNS_SHOWN]) + (" …" if len(columns) > UNKNOWN_COLUMNS_SHOWN else "")
            issues.file(code, severity="warning", count=len(columns), columns=shown)


# ---- typing ----------------------------------------------------------------------------------

LOWER_CODES = {"status", "henvisningsaarsag", "afslutningsaarsag", "tidspunkt", "milepael", "indikator", "redskab"}


def _parse(stacked: pl.DataFrame, file_type: str, issues: _RowIssues, catalog: Catalog) -> pl.DataFrame:
    """Add the typed column beside each raw__<col> text column; unparseable text is a row error."""
    dtypes = contract_columns(file_type)
    present = {c[len("raw__"):] for c in stacked.columns if c.startswith("raw__")}
    exprs: list[pl.Expr] = []
    for column, dtype in dtypes.items():
        src = pl.col(f"raw__{column}") if column in present else pl.lit(None, pl.Utf8)
        if dtype == pl.Date:
            parsed = parse_date(src)
            typed, code = pl.when(parsed >= EARLIEST_DATE).then(parsed), "date_format"
            if column in present:
                raw = pl.col(f"raw__{column}")
                issues.rows(parsed < EARLIEST_DATE, column, "date_too_early", value=f"raw__{column}", src="parse")
                issues.rows(has_two_digit_year(raw) & parsed.is_not_null(), column, "two_digit_year",
                            severity="warning", value=f"raw__{column}")
                issues.rows(raw.is_not_null() & parsed.is_null(), column, code, value=f"raw__{column}", src="parse")
                code = None
        elif dtype == pl.Int64:
            typed, code = parse_int(src), "integer_format"
        elif dtype == pl.Float64:
            typed, code = parse_number(src), "number_format"
        else:
            code = None
            typed = src.str.to_uppercase() if column == "indsats" else (
                src.str.to_lowercase() if column in LOWER_CODES else src)
        exprs.append(typed.cast(dtype).alias(column))
        if code and column in present:
            issues.rows(pl.col(f"raw__{column}").is_not_null() & pl.col(column).is_null(), column, code,
                        value=f"raw__{column}", src="parse")
    if file_type == "courses":
        item_codes = {item.code for iv in catalog.interventions.values() for item in iv.items}
        for code in sorted(item_codes & present):
            exprs.append(parse_bool(pl.col(f"raw__{code}")).alias(f"item__{code}"))
    return stacked.with_columns(exprs)


# ---- the pandera contract --------------------------------------------------------------------

# pandera's built-in column checks → the rule code of the report
_CHECK_CODES = {
    "str_length": "too_long",
    "isin": "invalid_code",
    "greater_than_or_equal_to": "out_of_range",
    "less_than_or_equal_to": "out_of_range",
    "in_range": "out_of_range",
    "str_matches": "format",
}
_FORMAT_HINTS = {"kommunekode": "tre cifre, fx 101", "pseudonym": "32 tegn 0-9/a-f", "periode": "ÅÅÅÅ-MM, fx 2026-03"}


def _allowed(check: pa.Check, column: str) -> str:
    """The 'allowed' part of a message, from the check's own statistics (never from its text)."""
    stats = check.statistics or {}
    if check.name == "str_matches":
        return _FORMAT_HINTS.get(column, "se vejledningen")
    if "allowed_values" in stats:
        return ", ".join(str(v) for v in stats["allowed_values"])
    bounds = [stats.get(k) for k in ("min_value", "max_value") if stats.get(k) is not None]
    return ", ".join(str(b) for b in bounds)


def _contract(work: pl.DataFrame, file_type: str, issues: _RowIssues) -> None:
    """Validate the stacked typed frame against the file type's pandera model (lazy: all failures at once),
    then its advisory model (failures are warnings). Each failure is read from pandera's failure cases by
    its check object (column check: code and allowed values; dataframe check: its `ROW_RULES` entry)."""
    columns = list(contract_columns(file_type))
    frame = work.select(columns)
    where = work.select(pl.col(FILE), pl.col(ROW)).with_row_index("index")
    for model, severity in ((CONTRACTS[file_type], "error"), (ADVISORIES.get(file_type), "warning")):
        if model is None:
            continue
        schema = model.to_schema()
        try:
            model.validate(frame, lazy=True)
            continue
        except pandera.errors.SchemaErrors as exc:
            cases = exc.failure_cases
        if not isinstance(cases, pl.DataFrame):
            cases = pl.from_pandas(cases)
        cases = cases.with_columns(pl.col("failure_case").cast(pl.Utf8))
        located = cases.filter(pl.col("index").is_not_null())
        located = located.with_columns(pl.col("index").cast(pl.UInt32)).join(where, on="index", how="left")
        out = []
        unlocated = cases.height - located.height
        for case in located.iter_rows(named=True):
            number = case["check_number"]
            if case["schema_context"] == "DataFrameSchema":
                code = schema.checks[number].name
                rule = ROW_RULES[code]
                column, params = rule.column, rule.params
                value = work.get_column(rule.value)[case["index"]] if rule.value in work.columns else None
            elif case["schema_context"] == "Column" and case["column"] in schema.columns:
                column = case["column"]
                if number is None:  # not_nullable
                    code, params, value = "required", {}, case["failure_case"]
                else:
                    check = schema.columns[column].checks[number]
                    code = _CHECK_CODES.get(check.name, "invalid_code")
                    params, value = {"allowed": _allowed(check, column)}, case["failure_case"]
            else:
                unlocated += 1
                continue
            out.append({FILE: case[FILE], "row": case[ROW], "column": column, "severity": severity, "code": code,
                        "message": message(code, column=column, **params),
                        "value": None if value is None else str(value), "_src": "contract"})
        if out:
            issues.frames.append(pl.DataFrame(out, schema=BATCH_ISSUE_SCHEMA))
        if unlocated and severity == "error":
            # schema-level failures cannot happen with the parser's types; reject, never guess
            files = work.get_column(FILE).unique().to_list()
            issues.frames.append(pl.DataFrame(
                [{FILE: f, "row": None, "column": None, "severity": "error", "code": "internal_error",
                  "message": message("internal_error"), "value": None, "_src": "contract"} for f in files],
                schema=BATCH_ISSUE_SCHEMA))


# ---- catalog-driven rules --------------------------------------------------------------------

def _code_rule(issues: _RowIssues, where: pl.Expr, column: str, allowed: set[str]) -> None:
    issues.rows(where & pl.col(column).is_not_null() & ~pl.col(column).is_in(sorted(allowed)), column,
                "invalid_code", value=column, allowed=", ".join(sorted(allowed)))


def _catalog_rules(
    work: pl.DataFrame, file_type: str, issues: _RowIssues, settings: Settings, catalog: Catalog,
) -> pl.DataFrame:
    dtypes = contract_columns(file_type)
    for column, dtype in dtypes.items():  # no date after the reporting date
        if dtype == pl.Date:
            issues.rows(pl.col(column) > pl.col(CTX_DATE), column, "future_date", value=f"raw__{column}",
                        dynamic={"reporting_date": pl.col(CTX_DATE).cast(pl.Utf8)})
    _cpr_in_text_rules(work, issues)
    if file_type == "registry":
        indicators = {r["code"] for r in catalog.common.get("register_indicators", [])}
        _code_rule(issues, pl.lit(True), "indikator", indicators)
        keys = [FILE, "pseudonym", "periode", "indikator"]
        issues.rows(pl.struct(keys).is_duplicated() & pl.all_horizontal(pl.col(keys).is_not_null()),
                    "indikator", "duplicate_key", allowed="pseudonym, periode, indikator")
        return work
    kommuner = sorted(catalog.municipalities)
    issues.rows(pl.col("kommunekode").str.contains(r"^\d{3}$") & ~pl.col("kommunekode").is_in(kommuner),
                "kommunekode", "kommunekode_unknown", value="kommunekode")
    issues.rows(pl.col("kommunekode").is_in(kommuner) & pl.col(CTX_KOMMUNE).is_not_null()
                & (pl.col("kommunekode") != pl.col(CTX_KOMMUNE)),
                "kommunekode", "kommune_mismatch", value="kommunekode", dynamic={"uploader": pl.col(CTX_KOMMUNE)})
    issues.rows(pl.col("indsats").is_not_null() & pl.col(CTX_INDSATS).is_not_null()
                & (pl.col("indsats") != pl.col(CTX_INDSATS)),
                "indsats", "indsats_mismatch", value="indsats", dynamic={"indsats": pl.col(CTX_INDSATS)})
    if file_type == "courses":
        return _course_rules(work, issues, settings, catalog)
    for code in work.get_column(CTX_INDSATS).drop_nulls().unique().to_list():
        intervention = catalog.intervention(code)
        if intervention is None:
            continue
        this = pl.col(CTX_INDSATS) == code
        if file_type == "measurements":
            instruments = {i.code: i for i in intervention.instruments}
            _code_rule(issues, this, "redskab", set(instruments))
            for inst in instruments.values():
                is_inst = this & (pl.col("redskab") == inst.code)
                issues.rows(is_inst & ((pl.col("score") < inst.score_min) | (pl.col("score") > inst.score_max)),
                            "score", "out_of_range", value="raw__score",
                            allowed=f"{inst.score_min:g}–{inst.score_max:g}")
                issues.rows(is_inst & pl.col("tidspunkt").is_in(MEASUREMENT_POINTS)
                            & ~pl.col("tidspunkt").is_in(inst.points), "tidspunkt", "timepoint_unexpected",
                            severity="warning", value="tidspunkt", allowed=", ".join(inst.points))
        elif file_type == "milestones":
            _code_rule(issues, this, "milepael", {m.code for m in catalog.milestones_for(code)})
    if file_type == "targets":
        keys = [FILE, "kommunekode", "indsats", "aar"]
        issues.rows(pl.struct(keys).is_duplicated() & pl.col("aar").is_not_null(), "aar", "duplicate_key",
                    value="raw__aar", allowed="kommune, indsats, år")
    elif file_type == "milestones":
        issues.rows(pl.struct([FILE, "milepael"]).is_duplicated() & pl.col("milepael").is_not_null(), "milepael",
                    "duplicate_key", value="milepael", allowed="milepæl")
    return work


def _cpr_in_text_rules(work: pl.DataFrame, issues: _RowIssues) -> None:
    """A CPR number typed into any column but `cpr` rejects the row (it would reach the warehouse in clear).

    Every text column the file delivers is checked as read (before typing: an id, a code, a catalog
    item, even a number column such as antal_sessioner or maaltal). A well-formed registry pseudonym
    (32 hex characters) is not free text and is left alone. The value is masked like every echoed value.
    """
    for name in sorted(c for c in work.columns if c.startswith("raw__") and c != "raw__cpr"):
        column = name[len("raw__"):]
        hit = cprmod.cpr_in_text_expr(pl.col(name))
        if column == "pseudonym":
            hit = hit & ~pl.col(name).str.contains(PSEUDONYM_PATTERN)
        issues.rows(hit, column, "cpr_in_text", value=name)


def _course_rules(work: pl.DataFrame, issues: _RowIssues, settings: Settings, catalog: Catalog) -> pl.DataFrame:
    # the status/date rules of a row are the contract's (validation/contracts); here: what needs the catalog
    issues.rows(pl.struct([FILE, "forloeb_id"]).is_duplicated() & pl.col("forloeb_id").is_not_null(), "forloeb_id",
                "duplicate_id", value="forloeb_id")
    collecting: list[str] = []
    for code in work.get_column(CTX_INDSATS).drop_nulls().unique().to_list():
        intervention = catalog.intervention(code)
        if intervention is None:
            continue
        this = pl.col(CTX_INDSATS) == code
        _code_rule(issues, this, "henvisningsaarsag", catalog.referral_codes(code))
        _code_rule(issues, this, "afslutningsaarsag", catalog.end_codes(code))
        for item in intervention.items:  # catalog items: ja/nej; required ones filled
            if f"raw__{item.code}" not in work.columns:
                continue
            raw_item = pl.col(f"raw__{item.code}")
            issues.rows(this & raw_item.is_not_null() & pl.col(f"item__{item.code}").is_null(), item.code,
                        "item_value", value=f"raw__{item.code}")
            if item.required:
                issues.rows(this & raw_item.is_null(), item.code, "required")
        if intervention.collects_cpr:
            collecting.append(code)
    if collecting and "raw__cpr" in work.columns:
        checked = cprmod.analyse(work.get_column("raw__cpr"), allow_fictitious=settings.is_demo)
        collects = pl.col(CTX_INDSATS).is_in(collecting)
        work = work.with_columns(
            cpr10=pl.when(collects).then(checked.get_column("cpr10")),
            cpr_error=pl.when(collects).then(checked.get_column("error")),
            cpr_mod11=pl.when(collects).then(checked.get_column("mod11_warning")),
            birth_date=pl.when(collects).then(checked.get_column("birth_date")),
            sex=pl.when(collects).then(checked.get_column("sex")),
        )
        issues.rows(collects & pl.col("raw__cpr").is_null(), "cpr", "cpr_missing")
        for rule in ("cpr_leading_zero", "cpr_format", "cpr_date", "cpr_fictitious"):
            issues.rows(pl.col("cpr_error") == rule, "cpr", rule, value="raw__cpr")
        issues.rows(pl.col("birth_date") > pl.col(CTX_DATE), "cpr", "cpr_date", value="raw__cpr")
        issues.rows(pl.col("cpr_mod11"), "cpr", "cpr_mod11", severity="warning", value="raw__cpr")
    return work


# ---- accepted / rejected ---------------------------------------------------------------------

def _split(
    work: pl.DataFrame, file_type: str, issues: pl.DataFrame, outcomes: list[Outcome], indices: list[int],
    settings: Settings, catalog: Catalog,
) -> None:
    errors = issues.filter(pl.col("severity") == "error")
    bad = errors.filter(pl.col("row").is_not_null()).select(pl.col(FILE), pl.col("row").alias(ROW)).unique()
    rejected_files = set(errors.filter(pl.col("row").is_null()).get_column(FILE).to_list())
    accepted = work.join(bad, on=[FILE, ROW], how="anti")
    columns = [FILE, ROW, *contract_columns(file_type)]
    items = None
    if file_type == "courses":
        reference = pl.coalesce(pl.col("startdato"), pl.col("henvisningsdato"), pl.col(CTX_DATE))
        if "cpr10" in accepted.columns:
            person = cprmod.pseudonymise_column(accepted.get_column("cpr10"), settings.pseudonym_key_bytes)
            accepted = accepted.with_columns(person_id=person).with_columns(
                pseudonym_key_id=pl.when(pl.col("person_id").is_not_null()).then(pl.lit(settings.pseudonym_key_id)),
                age_at_start=cprmod.age_expr(pl.col("birth_date"), reference),
            )
        else:
            accepted = accepted.with_columns(
                person_id=pl.lit(None, pl.Utf8), pseudonym_key_id=pl.lit(None, pl.Utf8),
                sex=pl.lit(None, pl.Utf8), age_at_start=pl.lit(None, pl.Int32), cpr10=pl.lit(None, pl.Utf8),
            )
        item_parts = []
        for code in sorted(c[len("item__"):] for c in accepted.columns if c.startswith("item__")):
            item_parts.append(accepted.filter(_is_item_of(catalog, code)).select(
                FILE, "forloeb_id", pl.lit(code).alias("item_code"), pl.col(f"item__{code}").alias("item_value")))
        items = pl.concat(item_parts) if item_parts else None
        rejected = work.join(bad, on=[FILE, ROW], how="semi").filter(pl.col("forloeb_id").is_not_null())
        rejected_rows = rejected.group_by(FILE, "forloeb_id").agg(pl.col(ROW).min())
        all_ids = work.select(FILE, "forloeb_id").drop_nulls().unique()
        columns += ["person_id", "pseudonym_key_id", "sex", "age_at_start"]
        people = accepted.select(FILE, "person_id", "cpr10").drop_nulls()
    by_file = _partition(accepted.select(columns))
    empty = accepted.select(columns).clear().drop(FILE)
    if file_type == "courses":
        items_by = _partition(items) if items is not None else {}
        rejected_by = _partition(rejected_rows)
        ids_by = _partition(all_ids)
        people_by = _partition(people)
    for index, outcome in zip(indices, outcomes, strict=True):
        if index in rejected_files:
            outcome.file_rejected = True
            continue
        outcome.accepted = by_file.get(index, empty)
        if file_type == "courses":
            iv = catalog.intervention(outcome.indsats or "")
            own = sorted({i.code for i in iv.items}) if iv else []
            file_items = items_by.get(index)
            outcome.items = (file_items.filter(pl.col("item_code").is_in(own)) if file_items is not None else
                             pl.DataFrame(schema={"forloeb_id": pl.Utf8, "item_code": pl.Utf8, "item_value": pl.Boolean}))
            outcome.rejected_rows = rejected_by.get(index, rejected_rows.clear().drop(FILE))
            outcome.rejected_ids = outcome.rejected_rows.get_column("forloeb_id").to_list()
            file_ids = ids_by.get(index)
            outcome.all_ids = file_ids.get_column("forloeb_id").to_list() if file_ids is not None else []
            outcome.people = people_by.get(index)


def _partition(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """Split a stacked frame back per file (dropping the file index)."""
    return {int(key[0]): part.drop(FILE) for key, part in frame.partition_by(FILE, as_dict=True).items()}


def _is_item_of(catalog: Catalog, code: str) -> pl.Expr:
    owners = [iv.code for iv in catalog.interventions.values() if any(i.code == code for i in iv.items)]
    return pl.col(CTX_INDSATS).is_in(owners)
