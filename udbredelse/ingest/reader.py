"""Read an uploaded file into strings, robustly: CSV in any of the allowed encodings and delimiters, XLSX hardened.

Nothing here drops a data row: every value is read as text, and every row keeps its spreadsheet
row number (header = 1). Only rows that are entirely empty are skipped (they are not data).
Problems with the file as a whole raise `FileProblem` with a rule code (message in Danish).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import polars as pl

from udbredelse.ingest.headers import SHEET_NAMES, normalise_header, normalise_text

ROW = "_row"
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024
XLSX_MAX_RATIO = 200
XLSX_MAX_COLUMNS = 200
XLSX_MAX_ROWS = 2_000_000


class FileProblem(Exception):
    """A problem with the whole file. `code` is the rule; the text is Danish and never holds data values."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class RawTable:
    """The file as text: `frame` has one Utf8 column per (normalised) header plus `_row`."""

    frame: pl.DataFrame
    headers: list[str]                      # normalised, in file order
    original_headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    cell_errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, code)


def is_xlsx(data: bytes, name: str) -> bool:
    return data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))


def read_table(data: bytes, name: str, max_bytes: int) -> RawTable:
    if len(data) > max_bytes:
        raise FileProblem("too_large", f"Filen er for stor (over {max_bytes // (1024 * 1024)} MB).")
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FileProblem("empty_file", "Filen er tom.")
    if is_xlsx(data, name):
        return read_xlsx(data, name)
    if name.lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("unreadable", "Det gamle Excel-format (.xls) kan ikke læses.")
    return read_csv(data)


# ---- CSV ----------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252"), "cp1252"  # raises UnicodeDecodeError for bytes cp1252 lacks


def sniff_delimiter(header_line: str) -> str:
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def read_csv(data: bytes) -> RawTable:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("unreadable", "Filen ligner ikke en tekstfil (CSV) eller et Excel-ark (XLSX).")
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise FileProblem("encoding", "Filens tegnsæt kan ikke læses (brug UTF-8 eller Windows-1252).") from None
    if "\x00" in text:
        raise FileProblem("unreadable", "Filen ligner ikke en tekstfil (CSV) eller et Excel-ark (XLSX).")
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    cell_errors: list[tuple[int, str, str]] = []
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=delimiter,
            has_header=False,
            infer_schema=False,
            quote_char='"',
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
        if frame.width == 0 or frame.height == 0:
            raise FileProblem("empty_file", "Filen er tom.")
        original = [("" if v is None else v) for v in frame.row(0)]
        frame = frame.slice(1).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
        columns = [c for c in frame.columns if c != ROW]
        frame = frame.rename(dict(zip(columns, [f"c{i}" for i in range(len(columns))], strict=True)))
        # A row with fewer fields than the header comes back as nulls: not detectable here, fine.
    except FileProblem:
        raise
    except Exception:
        frame, original, cell_errors = _read_csv_python(text, delimiter)
    return _finish(frame, original, cell_errors, encoding=encoding, delimiter=delimiter)


def _read_csv_python(text: str, delimiter: str) -> tuple[pl.DataFrame, list[str], list[tuple[int, str, str]]]:
    """Fallback for ragged files: every physical row is kept; rows with a wrong field count are flagged."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("empty_file", "Filen er tom.") from None
    except csv.Error:
        raise FileProblem("unreadable", "Filen kan ikke læses som CSV.") from None
    width = len(header)
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    errors: list[tuple[int, str, str]] = []
    line = 2
    try:
        for record in reader:
            row_no = line
            line = reader.line_num + 1
            if not any(v.strip() for v in record):
                continue
            if len(record) > width and any(v.strip() for v in record[width:]):
                errors.append((row_no, "", "field_count"))
            padded = (list(record) + [None] * width)[:width]
            rows.append([None if v is None or v == "" else v for v in padded])
            numbers.append(row_no)
    except csv.Error:
        raise FileProblem("unreadable", "Filen kan ikke læses som CSV (fejl i anførselstegn).") from None
    data = {f"c{i}": [r[i] for r in rows] for i in range(width)}
    frame = pl.DataFrame(data, schema={f"c{i}": pl.Utf8 for i in range(width)}).with_columns(
        pl.Series(ROW, numbers, dtype=pl.Int64)
    )
    return frame, header, errors


# ---- XLSX ---------------------------------------------------------------------------------

def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileProblem("unreadable", "Excel-filen er beskadiget eller ikke en XLSX-fil.") from None
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        compressed = max(1, sum(info.compress_size for info in infos))
        if total > XLSX_MAX_UNCOMPRESSED or total / compressed > XLSX_MAX_RATIO:
            raise FileProblem("xlsx_unsafe", "Excel-filen pakker sig ud til en urimelig størrelse og afvises af sikkerhedshensyn.")
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise FileProblem("unreadable", "Excel-filen er beskadiget eller ikke en XLSX-fil.")
        if any(n.lower().endswith(("vbaproject.bin",)) for n in names):
            raise FileProblem("xlsx_unsafe", "Excel-filen indeholder makroer og afvises. Gem den som almindelig .xlsx.")
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as member:
                tail = b""
                while chunk := member.read(1 << 20):
                    window = (tail + chunk).upper()
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise FileProblem("xlsx_unsafe", "Excel-filen indeholder XML-konstruktioner (DOCTYPE/ENTITY), som afvises af sikkerhedshensyn.")
                    tail = chunk[-16:]
        # defusedxml as a second line of defence on the parts openpyxl parses first
        from defusedxml import ElementTree as SafeET

        for part in ("[Content_Types].xml", "xl/workbook.xml"):
            if part in names:
                try:
                    SafeET.fromstring(archive.read(part), forbid_dtd=True)
                except Exception:
                    raise FileProblem("xlsx_unsafe", "Excel-filens opbygning er ugyldig eller usikker og afvises.") from None


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text.strip() else None


def read_xlsx(data: bytes, name: str) -> RawTable:
    _check_zip(data)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:
        raise FileProblem("unreadable", "Excel-filen kan ikke åbnes.") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        for candidate in workbook.worksheets:
            if normalise_text(candidate.title) in SHEET_NAMES:
                sheet = candidate
                break
        if sheet is None:
            raise FileProblem("empty_file", "Excel-filen har ingen ark.")
        header: list[str] | None = None
        columns: list[list[str | None]] = []
        numbers: list[int] = []
        errors: list[tuple[int, str, str]] = []
        for row_no, row in enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS), start=1):
            if row_no > XLSX_MAX_ROWS:
                raise FileProblem("too_large", "Excel-arket har for mange rækker.")
            values: list[str | None] = []
            for index, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    errors.append((row_no, f"c{index}", "formula"))
                    values.append(None)
                elif getattr(cell, "data_type", None) == "e":
                    errors.append((row_no, f"c{index}", "cell_error"))
                    values.append(None)
                else:
                    values.append(_cell_text(cell.value))
            if header is None:
                if all(v is None for v in values):
                    continue
                while values and values[-1] is None:
                    values.pop()
                header = [v or "" for v in values]
                columns = [[] for _ in header]
                header_errors = [e for e in errors if e[0] == row_no]
                if header_errors:
                    raise FileProblem("formula", "Overskriftsrækken indeholder formler. Skriv kolonnenavnene som tekst.")
                continue
            if len(values) > len(header) and any(v is not None for v in values[len(header):]):
                errors.append((row_no, "", "field_count"))
            values = (values + [None] * len(header))[: len(header)]
            for index, value in enumerate(values):
                columns[index].append(value)
            numbers.append(row_no)
        if header is None:
            raise FileProblem("empty_file", "Excel-arket er tomt.")
        frame = pl.DataFrame(
            {f"c{i}": col for i, col in enumerate(columns)},
            schema={f"c{i}": pl.Utf8 for i in range(len(header))},
        ).with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
        return _finish(frame, header, errors, sheet_name=sheet.title)
    finally:
        workbook.close()


# ---- common -------------------------------------------------------------------------------

def _finish(
    frame: pl.DataFrame,
    original: list[str],
    cell_errors: list[tuple[int, str, str]],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
) -> RawTable:
    headers = [normalise_header(h) for h in original]
    data_cols = [f"c{i}" for i in range(len(original))]
    # strip whitespace; empty strings are missing values; drop rows that are entirely empty
    frame = frame.with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in data_cols]
    )
    if data_cols:
        frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in data_cols]))
    blank = [i for i, h in enumerate(headers) if not h]
    for i in blank:  # unnamed column: keep only if it holds data (then the file is flagged upstream)
        headers[i] = f"kolonne_{i + 1}"
    rename = dict(zip(data_cols, headers, strict=True))
    errors = [(r, rename.get(c, c), code) for r, c, code in cell_errors]
    seen: set[str] = set()
    duplicates = {h for h in headers if h in seen or seen.add(h)}  # type: ignore[func-returns-value]
    if duplicates:
        raise FileProblem(
            "duplicate_column",
            "Kolonnen " + ", ".join(sorted(duplicates)) + " findes mere end én gang. Slet den ekstra kolonne.",
        )
    frame = frame.rename(rename)
    return RawTable(frame, headers, original, encoding, delimiter, sheet_name, errors)
