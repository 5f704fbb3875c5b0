"""Read an uploaded file into strings, robustly: CSV in the encodings and habits people have, XLSX hardened.

Nothing here drops a data row: every value is read as text, and every row keeps its spreadsheet
row number (the row number a spreadsheet shows; the header is wherever it is found). Only rows that
are entirely empty are skipped (they are not data). Problems with the file as a whole raise
`FileProblem` with a rule code and the parameters of its Danish message (udbredelse/ingest/messages.py).

Habits that are read: a title and blank rows above the header (the header is the row of the first
ten that names most of our columns), a guidance sheet before the data sheet (the sheet whose header
names most of our columns is read), `sep=;` as the first line (Excel writes it), CR-only line
endings and Mac Roman (Excel for Mac), a decomposed å (normalised to NFC).

XLSX is read by a streaming parser of its own (expat through xml.etree.iterparse, no DTD allowed)
that enforces the budgets below WHILE reading, so a hostile workbook is refused before it costs
memory or time: compressed-to-uncompressed ratio and total size, the row and column a cell may sit
in, the number of cells, the length of one cell and the total text (shared strings included).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from udbredelse.ingest.headers import KNOWN_HEADERS, SHEET_NAMES, header_score, normalise_header, normalise_text

ROW = "_row"
HEADER_SEARCH_ROWS = 10          # the header is looked for in the first ten rows
MIN_HEADER_SCORE = 2             # a header row names at least two of our columns
# XLSX budgets (technical limits of the reader, not data rules; the README's "File formats" names them)
XLSX_MAX_UNCOMPRESSED = 128 * 1024 * 1024   # all parts together
XLSX_MAX_RATIO = 200                        # uncompressed / compressed
XLSX_MAX_COLUMNS = 200                      # no content right of column 200 (GR)
XLSX_MAX_ROW_INDEX = 500_000                # no content below row 500.000
XLSX_MAX_CELLS = 500_000                    # <c> elements in all sheets (and shared strings)
XLSX_MAX_CELL_CHARS = 32_767                # Excel's own limit for one cell
XLSX_MAX_TEXT_CHARS = 64 * 1024 * 1024      # all text of all cells (a shared string counts per use)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_A_TABLE_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf")
NOT_A_TABLE_SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".rtf", ".png", ".jpg", ".jpeg", ".gif", ".msg", ".eml",
                        ".zip", ".pages", ".numbers", ".key")


class FileProblem(Exception):
    """A problem with the whole file. `code` is the rule; `params` fill its Danish message (never data values)."""

    def __init__(self, code: str, message: str = "", **params: object):
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.params = params


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
    header_row: int = 1


def danish_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def is_xlsx(data: bytes, name: str) -> bool:
    return data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))


def _is_ods(data: bytes, name: str) -> bool:
    if name.lower().endswith((".ods", ".fods")) or data[:200].lstrip().startswith(b"<?xml") and b"opendocument" in data[:2000]:
        return True
    return data[:4] == b"PK\x03\x04" and ODS_MIMETYPE in data[:200]  # the mimetype member comes first, stored


def read_table(data: bytes, name: str, max_bytes: int) -> RawTable:
    if len(data) > max_bytes:
        raise FileProblem("too_large", max_mb=max_bytes // (1024 * 1024))
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FileProblem("empty_file")
    if _is_ods(data, name):
        raise FileProblem("ods_format")
    if name.lower().endswith(".xls") or data[:8] == OLE2_MAGIC:
        raise FileProblem("xls_format")
    if data.startswith(NOT_A_TABLE_MAGIC) or name.lower().endswith(NOT_A_TABLE_SUFFIXES):
        raise FileProblem("unreadable")  # a document, an image, a mail: not a table
    if is_xlsx(data, name):
        return read_xlsx(data, name)
    return read_csv(data)


# ---- the header and the grid --------------------------------------------------------------------

def _find_header(rows: list[tuple[int, list[str | None]]]) -> int:
    """Index (in `rows`) of the header: of the first ten non-empty rows, the one naming most of our columns
    (at least two); else the first non-empty row (the file type is then not recognised, with its message)."""
    best, best_score, fallback, seen = None, 0, None, 0
    for i, (_, values) in enumerate(rows):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if fallback is None:
            fallback = i
        score = header_score(values)
        if score > best_score:
            best, best_score = i, score
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if fallback is None:
        raise FileProblem("empty_file")
    return best if best is not None and best_score >= MIN_HEADER_SCORE else fallback


def _score_of(rows: list[tuple[int, list[str | None]]]) -> int:
    try:
        return header_score(rows[_find_header(rows)][1])
    except FileProblem:
        return -1


# ---- CSV ----------------------------------------------------------------------------------

_DANISH_LETTERS = "æøåÆØÅ"


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 or Mac Roman (the one giving æ/ø/å)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mac = data.decode("mac_roman")
    try:
        windows = data.decode("cp1252")
    except UnicodeDecodeError:
        return mac, "mac_roman"  # bytes cp1252 lacks (0x81 = Å in Mac Roman)

    def danish(text: str) -> int:
        return sum(text.count(c) for c in _DANISH_LETTERS)

    return (mac, "mac_roman") if danish(mac) > danish(windows) else (windows, "cp1252")


def sniff_delimiter(header_line: str) -> str:
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def _records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str | None]]]:
    """(spreadsheet row, values) per CSV record; a blank line is a row too (as in a spreadsheet)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    out: list[tuple[int, list[str | None]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            out.append((number, [v if v != "" else None for v in record]))
            if limit is not None and number >= limit:
                break
    except csv.Error:
        raise FileProblem("unreadable") from None
    return out


def _choose_delimiter(text: str) -> tuple[str, int]:
    """The delimiter that gives a header naming our columns (else the first line's most frequent one)."""
    head = "\n".join(text.split("\n", HEADER_SEARCH_ROWS * 3)[: HEADER_SEARCH_ROWS * 3])
    best: tuple[int, str, int] | None = None
    for delimiter in (";", ",", "\t"):
        try:
            rows = _records(head, delimiter, limit=HEADER_SEARCH_ROWS * 3)
            index = _find_header(rows)
        except FileProblem:
            continue
        score = header_score(rows[index][1])
        if score >= MIN_HEADER_SCORE and (best is None or score > best[0]):
            best = (score, delimiter, index)
    if best is not None:
        return best[1], best[2]
    return sniff_delimiter(text.split("\n", 1)[0]), 0


_SEP_LINE = re.compile(r'^"?sep=(.)"?[;,\t]*\n')


def read_csv(data: bytes) -> RawTable:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("unreadable")
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise FileProblem("encoding") from None
    if "\x00" in text:
        raise FileProblem("unreadable")
    text = text.lstrip("\ufeff")
    if "\r" in text and "\n" not in text:  # CR-only line endings (old Mac, Excel for Mac)
        text = text.replace("\r", "\n")
    delimiter = None
    sep_line = _SEP_LINE.match(text.replace("\r\n", "\n", 1)[:20])
    if sep_line:  # Excel's `sep=;` line: it names the delimiter and is not a row (Excel does not show it)
        delimiter = sep_line.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if delimiter is None:
        delimiter, header_index = _choose_delimiter(text)
    else:
        header_index = _find_header(_records(text, delimiter, limit=HEADER_SEARCH_ROWS * 3))
    if header_index == 0:
        fast = _read_csv_polars(text, delimiter)
        if fast is not None:
            frame, original = fast
            return _finish(frame, original, [], encoding=encoding, delimiter=delimiter)
    rows = _records(text, delimiter)
    header_index = _find_header(rows)
    return _from_rows(rows, header_index, [], encoding=encoding, delimiter=delimiter, strict_width=True)


def _read_csv_polars(text: str, delimiter: str) -> tuple[pl.DataFrame, list[str]] | None:
    """The fast path for a well-formed file whose header is the first row; None when it is ragged."""
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
    except Exception:
        return None
    if frame.width == 0 or frame.height == 0:
        raise FileProblem("empty_file")
    original = [("" if v is None else v) for v in frame.row(0)]
    frame = frame.slice(1).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    columns = [c for c in frame.columns if c != ROW]
    frame = frame.rename(dict(zip(columns, [f"c{i}" for i in range(len(columns))], strict=True)))
    return frame, original


def _from_rows(
    rows: list[tuple[int, list[str | None]]],
    header_index: int,
    cell_errors: list[tuple[int, int, str]],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    strict_width: bool = False,
) -> RawTable:
    """Rows below the header become the frame. A CSV row wider than the header is a row error
    (a delimiter or quoting slip); in a spreadsheet, content right of the header is a column without
    a name (ignored with a warning, like any column that is not ours)."""
    header_row, header_values = rows[header_index]
    if any(r == header_row and code == "formula" for r, _, code in cell_errors):
        raise FileProblem("formula_header")
    while header_values and header_values[-1] is None:
        header_values = header_values[:-1]
    original = ["" if v is None else str(v) for v in header_values]
    body = rows[header_index + 1:]
    width = len(original)
    if not strict_width:
        width = max([width, *(len(values) for _, values in body if any(v is not None for v in values))])
        original += [""] * (width - len(original))
    errors: list[tuple[int, str, str]] = []
    columns: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[int] = []
    for number, values in body:
        if strict_width and len(values) > width and any(v is not None and v.strip() for v in values[width:]):
            errors.append((number, "", "field_count"))
        padded = (list(values) + [None] * width)[:width]
        for index, value in enumerate(padded):
            columns[index].append(value)
        numbers.append(number)
    errors += [(r, f"c{c}", code) for r, c, code in cell_errors if r > header_row and c < width]
    frame = pl.DataFrame(
        {f"c{i}": col for i, col in enumerate(columns)}, schema={f"c{i}": pl.Utf8 for i in range(width)},
    ).with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
    return _finish(frame, original, errors, encoding=encoding, delimiter=delimiter, sheet_name=sheet_name,
                   header_row=header_row)


# ---- XLSX ---------------------------------------------------------------------------------

_MAIN_RELS = "xl/_rels/workbook.xml.rels"
_DATE_BUILTINS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47,
                  50, 51, 52, 53, 54, 55, 56, 57, 58}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Budget:
    """What the whole workbook may cost; each check raises a FileProblem naming the real problem."""

    def __init__(self) -> None:
        self.cells = 0
        self.text = 0

    def cell(self, count: int = 1) -> None:
        self.cells += count
        if self.cells > XLSX_MAX_CELLS:
            raise FileProblem("xlsx_too_many_cells", max_cells=danish_int(XLSX_MAX_CELLS))

    def add_text(self, length: int) -> None:
        if length > XLSX_MAX_CELL_CHARS:
            raise FileProblem("xlsx_cell_too_long", max_chars=danish_int(XLSX_MAX_CELL_CHARS))
        self.text += length
        if self.text > XLSX_MAX_TEXT_CHARS:
            raise FileProblem("xlsx_too_much_text", max_mb=XLSX_MAX_TEXT_CHARS // (1024 * 1024))


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileProblem("unreadable") from None
    total = sum(info.file_size for info in infos)
    compressed = max(1, sum(info.compress_size for info in infos))
    if total > XLSX_MAX_UNCOMPRESSED or total / compressed > XLSX_MAX_RATIO:
        raise FileProblem("xlsx_unsafe")
    names = {info.filename for info in infos}
    if "mimetype" in names and archive.read("mimetype")[:64].startswith(ODS_MIMETYPE):
        raise FileProblem("ods_format")
    if "xl/workbook.xml" not in names:
        raise FileProblem("unreadable")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileProblem("xlsx_unsafe")
    return archive


def _events(archive: zipfile.ZipFile, part: str, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Any]]:
    """Streaming parse of one part. Any DTD or entity declaration is refused (no XML bombs, no XXE):
    they are only legal in a DOCTYPE, which no part of a workbook needs."""
    parser = ET.XMLPullParser(events)
    tail = b""
    try:
        with archive.open(part) as member:
            while chunk := member.read(1 << 16):
                window = (tail + chunk).upper()
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    raise FileProblem("xlsx_unsafe")
                tail = chunk[-16:]
                parser.feed(chunk)
                yield from parser.read_events()
        parser.close()
        yield from parser.read_events()
    except FileProblem:
        raise
    except (ET.ParseError, KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise FileProblem("unreadable") from None


def _workbook(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool]:
    """(sheet title, part name) in workbook order, and whether the 1904 date system is used."""
    targets: dict[str, str] = {}
    names = set(archive.namelist())
    if _MAIN_RELS in names:
        for _, elem in _events(archive, _MAIN_RELS):
            if _local(elem.tag) == "Relationship":
                target = elem.get("Target", "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                targets[elem.get("Id", "")] = part
    sheets: list[tuple[str, str]] = []
    date1904 = False
    for _, elem in _events(archive, "xl/workbook.xml"):
        tag = _local(elem.tag)
        if tag == "workbookPr":
            date1904 = elem.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in elem.attrib.items() if _local(k) == "id"), "")
            part = targets.get(rid)
            if part in names:
                sheets.append((elem.get("name", ""), part))
    return sheets, date1904


def _shared_strings(archive: zipfile.ZipFile, budget: _Budget) -> list[str]:
    part = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if part is None:
        return []
    _prescan_count(archive, part, (b"<si>", b"<si ", b":si>", b":si "))
    strings: list[str] = []
    total = 0
    for _, elem in _events(archive, part):
        if _local(elem.tag) != "si":
            continue
        text = "".join(t.text or "" for t in _texts(elem))
        if len(text) > XLSX_MAX_CELL_CHARS:
            raise FileProblem("xlsx_cell_too_long", max_chars=danish_int(XLSX_MAX_CELL_CHARS))
        total += len(text)
        if total > XLSX_MAX_TEXT_CHARS:
            raise FileProblem("xlsx_too_much_text", max_mb=XLSX_MAX_TEXT_CHARS // (1024 * 1024))
        if len(strings) >= XLSX_MAX_CELLS:
            raise FileProblem("xlsx_too_many_cells", max_cells=danish_int(XLSX_MAX_CELLS))
        strings.append(text)
        elem.clear()
    return strings


def _texts(elem: Any) -> Iterator[Any]:
    """The <t> elements of a string item, without phonetic runs (<rPh>)."""
    for child in elem:
        tag = _local(child.tag)
        if tag == "t":
            yield child
        elif tag == "r":
            yield from (t for t in child if _local(t.tag) == "t")


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a number as a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    from openpyxl.styles.numbers import is_date_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    in_xfs = False
    for event, elem in _events(archive, "xl/styles.xml", ("start", "end")):
        tag = _local(elem.tag)
        if tag == "cellXfs":
            in_xfs = event == "start"
        elif event == "end" and tag == "numFmt":
            custom[int(elem.get("numFmtId", "0") or 0)] = elem.get("formatCode", "")
        elif event == "end" and tag == "xf" and in_xfs:
            formats.append(int(elem.get("numFmtId", "0") or 0))
            if len(formats) > 100_000:
                raise FileProblem("xlsx_unsafe")
    return {i for i, fmt in enumerate(formats)
            if fmt in _DATE_BUILTINS or (fmt in custom and is_date_format(custom[fmt]))}


_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index


def _number_text(raw: str, is_date: bool, date1904: bool) -> str | None:
    text = raw.strip()
    try:
        number = float(text)
    except ValueError:
        return text or None
    if is_date:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        try:
            value = from_excel(number, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
        except (ValueError, OverflowError):
            return text
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return text
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return str(int(text))
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


_CELL_TAGS = (b"<c ", b"<c>", b"<c/>", b":c ", b":c>")
_ROW_TAGS = (b"<row", b":row ", b":row>")
# a cell reference right of column GR (200): two letters from HA on, or three letters
_FAR_CELL = re.compile(rb'[ \t\n]r="(?:[H-Z][A-Z]|[A-Z]{3})[0-9]+"')


def _prescan(archive: zipfile.ZipFile, part: str, budget: _Budget) -> None:
    """Count cells and rows of a sheet on its bytes (C speed) before parsing it: a workbook over a budget is
    refused in a fraction of the time parsing it would take."""
    rows = 0
    try:
        with archive.open(part) as member:
            while chunk := member.read(1 << 20):
                budget.cell(sum(chunk.count(tag) for tag in _CELL_TAGS))
                rows += sum(chunk.count(tag) for tag in _ROW_TAGS)
                if rows > XLSX_MAX_ROW_INDEX:
                    raise FileProblem("xlsx_too_many_rows", row=f"over {danish_int(XLSX_MAX_ROW_INDEX)}",
                                      max_rows=danish_int(XLSX_MAX_ROW_INDEX))
                if _FAR_CELL.search(chunk):
                    raise FileProblem("xlsx_too_many_columns", max_columns=XLSX_MAX_COLUMNS)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise FileProblem("unreadable") from None


def _prescan_count(archive: zipfile.ZipFile, part: str, tags: tuple[bytes, ...]) -> None:
    """Count elements on the bytes (C speed) before parsing: over the cell budget is refused at once."""
    counter = _Budget()
    try:
        with archive.open(part) as member:
            while chunk := member.read(1 << 20):
                counter.cell(sum(chunk.count(tag) for tag in tags))
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise FileProblem("unreadable") from None


def _read_sheet(
    archive: zipfile.ZipFile, part: str, shared: list[str], date_styles: set[int], date1904: bool, budget: _Budget,
) -> tuple[list[tuple[int, list[str | None]]], list[tuple[int, int, str]]]:
    """(row number, values) for every row with content, and cell errors (row, column index, code)."""
    _prescan(archive, part, budget)
    rows: list[tuple[int, list[str | None]]] = []
    errors: list[tuple[int, int, str]] = []
    row_number = 0
    ns = None
    for _, elem in _events(archive, part):
        if ns is None:
            ns = elem.tag[: elem.tag.index("}") + 1] if elem.tag.startswith("{") else ""
            row_tag, c_tag, v_tag, f_tag, is_tag = (ns + t for t in ("row", "c", "v", "f", "is"))
        if elem.tag != row_tag:
            continue
        reference = elem.get("r")
        row_number = int(reference) if reference and reference.isdigit() else row_number + 1
        if row_number > XLSX_MAX_ROW_INDEX:
            raise FileProblem("xlsx_too_many_rows", row=danish_int(row_number),
                              max_rows=danish_int(XLSX_MAX_ROW_INDEX))
        values: dict[int, str | None] = {}
        column = 0
        for cell in elem:
            if cell.tag != c_tag:
                continue
            match = _REF.match(cell.get("r", ""))
            column = _column_index(match.group(1)) if match else column + 1
            value_elem = formula = inline = None
            for child in cell:
                if child.tag == v_tag:
                    value_elem = child
                elif child.tag == f_tag:
                    formula = child
                elif child.tag == is_tag:
                    inline = child
            if value_elem is None and formula is None and inline is None:
                continue  # a formatted, empty cell
            if column > XLSX_MAX_COLUMNS:
                raise FileProblem("xlsx_too_many_columns", max_columns=XLSX_MAX_COLUMNS)
            index = column - 1
            if formula is not None:
                errors.append((row_number, index, "formula"))
                values[index] = None
                continue
            kind = cell.get("t", "n")
            raw = (value_elem.text or "") if value_elem is not None else ""
            if kind == "e":
                errors.append((row_number, index, "cell_error"))
                values[index] = None
                continue
            if kind == "s":
                try:
                    text: str | None = shared[int(raw)]
                except (ValueError, IndexError):
                    raise FileProblem("unreadable") from None
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in _texts(inline)) if inline is not None else ""
            elif kind == "str":
                text = raw
            elif kind == "b":
                text = "ja" if raw.strip() in ("1", "true") else "nej"
            elif kind == "d":
                text = raw.strip()[:10] or None
            else:
                style = cell.get("s")
                text = _number_text(raw, style is not None and style.isdigit() and int(style) in date_styles,
                                    date1904)
            budget.add_text(len(text or ""))
            values[index] = text if text is not None and text.strip() else None
        if values:
            rows.append((row_number, [values.get(i) for i in range(max(values) + 1)]))
        elem.clear()  # keep memory flat: a row read is not needed as XML (the prescan bounds the empty husks)
    return rows, errors


def read_xlsx(data: bytes, name: str) -> RawTable:
    archive = _open_zip(data)
    with archive:
        budget = _Budget()
        sheets, date1904 = _workbook(archive)
        if not sheets:
            raise FileProblem("empty_file")
        shared = _shared_strings(archive, budget)
        date_styles = _date_styles(archive)
        best: tuple[int, int, str, list[Any], list[Any]] | None = None
        for title, part in sheets:
            rows, errors = _read_sheet(archive, part, shared, date_styles, date1904, budget)
            if not rows:
                continue
            score = _score_of(rows)
            named = normalise_text(title) in SHEET_NAMES
            key = (score, 1 if named else 0)
            if best is None or key > (best[0], best[1]):
                best = (score, 1 if named else 0, title, rows, errors)
        if best is None:
            raise FileProblem("empty_file")
        _, _, title, rows, errors = best
        return _from_rows(rows, _find_header(rows), errors, sheet_name=title)


# ---- common -------------------------------------------------------------------------------

def _finish(
    frame: pl.DataFrame,
    original: list[str],
    cell_errors: list[tuple[int, str, str]],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    header_row: int = 1,
) -> RawTable:
    original = [unicodedata.normalize("NFC", h) for h in original]
    headers = [normalise_header(h) for h in original]
    data_cols = [f"c{i}" for i in range(len(original))]
    # strip whitespace, NFC (a decomposed å is å), empty strings are missing values; drop entirely empty rows
    frame = frame.with_columns(
        [pl.col(c).str.strip_chars().str.normalize("NFC").replace("", None) for c in data_cols]
    )
    if data_cols:
        frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in data_cols]))
    for i, h in enumerate(headers):  # unnamed column: a column of its own, ignored with the unknown ones
        if not h:
            headers[i] = f"kolonne_{i + 1}"
    seen: set[str] = set()
    duplicates = sorted({h for h in headers if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
    ours = [h for h in duplicates if h in KNOWN_HEADERS or h == "cpr"]
    if ours:
        raise FileProblem("duplicate_column", columns=", ".join(ours))
    for h in duplicates:  # a column that is not ours, twice: keep them apart (both are ignored)
        positions = [i for i, x in enumerate(headers) if x == h]
        for n, i in enumerate(positions[1:], start=2):
            headers[i] = f"{h}_{n}"
    rename = dict(zip(data_cols, headers, strict=True))
    errors = [(r, rename.get(c, c), code) for r, c, code in cell_errors]
    frame = frame.rename(rename)
    return RawTable(frame, headers, original, encoding, delimiter, sheet_name, errors, header_row)
