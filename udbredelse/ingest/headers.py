"""Column headers: normalise Danish headers, resolve aliases, recognise the file type from its columns."""

from __future__ import annotations

import re
import unicodedata

FILE_TYPES = ("courses", "sessions", "measurements", "targets", "milestones", "registry")

# Danish names used in file names and sheet names (inbox layout in README).
DANISH_TYPE_NAMES = {
    "forloeb": "courses",
    "sessioner": "sessions",
    "maalinger": "measurements",
    "maaltal": "targets",
    "milepaele": "milestones",
    "register": "registry",
}
SHEET_NAMES = {**DANISH_TYPE_NAMES, **{t: t for t in FILE_TYPES}}

# Columns of each file type (canonical names; catalog items are added per intervention).
COLUMNS: dict[str, tuple[str, ...]] = {
    "courses": (
        "kommunekode", "indsats", "forloeb_id", "cpr", "henvisningsdato", "henvisningsaarsag", "status",
        "startdato", "slutdato", "afslutningsaarsag", "antal_sessioner", "medarbejder_id",
    ),
    "sessions": ("kommunekode", "indsats", "forloeb_id", "sessionsdato"),
    "measurements": ("kommunekode", "indsats", "forloeb_id", "redskab", "tidspunkt", "dato", "score"),
    "targets": ("kommunekode", "indsats", "aar", "maaltal"),
    "milestones": ("kommunekode", "indsats", "milepael", "status", "dato"),
    "registry": ("pseudonym", "periode", "indikator", "vaerdi"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "courses": ("kommunekode", "indsats", "forloeb_id", "status"),
    "sessions": ("kommunekode", "indsats", "forloeb_id", "sessionsdato"),
    "measurements": ("kommunekode", "indsats", "forloeb_id", "redskab", "tidspunkt", "dato", "score"),
    "targets": ("kommunekode", "indsats", "aar", "maaltal"),
    "milestones": ("kommunekode", "indsats", "milepael", "status"),
    "registry": ("pseudonym", "periode", "indikator", "vaerdi"),
}
# Columns that are accepted but not stored (the reporting date may be given in a column).
EXTRA_KNOWN = ("indberetningsdato",)
# Every column name of ours: the header row is the row (of the first ten) that names most of them.
KNOWN_HEADERS = frozenset({c for columns in COLUMNS.values() for c in columns} | set(EXTRA_KNOWN))

ALIASES = {
    "forloebs_id": "forloeb_id", "forloebsid": "forloeb_id", "forloebid": "forloeb_id", "forloeb": "forloeb_id",
    "forloebsnummer": "forloeb_id", "forloeb_nr": "forloeb_id", "forloebs_nr": "forloeb_id",
    "cpr_nr": "cpr", "cprnr": "cpr", "cpr_nummer": "cpr", "cprnummer": "cpr", "personnummer": "cpr",
    "kommune": "kommunekode", "kommunenr": "kommunekode", "kommune_nr": "kommunekode",
    "kommunenummer": "kommunekode", "kommune_kode": "kommunekode",
    "indsatskode": "indsats", "indsats_kode": "indsats",
    "henvist_dato": "henvisningsdato", "henvisnings_dato": "henvisningsdato", "dato_for_henvisning": "henvisningsdato",
    "henvisnings_aarsag": "henvisningsaarsag", "aarsag_til_henvisning": "henvisningsaarsag",
    "start_dato": "startdato", "opstartsdato": "startdato",
    "slut_dato": "slutdato", "afslutningsdato": "slutdato",
    "afslutnings_aarsag": "afslutningsaarsag", "slutaarsag": "afslutningsaarsag",
    "antal_sessioner": "antal_sessioner", "antalsessioner": "antal_sessioner", "antal_samtaler": "antal_sessioner",
    "sessioner_i_alt": "antal_sessioner",
    "medarbejder": "medarbejder_id", "medarbejderid": "medarbejder_id", "behandler_id": "medarbejder_id",
    "behandler": "medarbejder_id",
    "session_dato": "sessionsdato", "samtaledato": "sessionsdato", "dato_for_session": "sessionsdato",
    "maal_tal": "maaltal", "planlagt_antal": "maaltal", "planlagte_forloeb": "maaltal",
    "year": "aar", "aarstal": "aar",
    "milepael_kode": "milepael", "milepaelskode": "milepael",
    "maaleredskab": "redskab", "instrument": "redskab",
    "maaletidspunkt": "tidspunkt",
    "maaledato": "dato",
    "vaerdi_tal": "vaerdi", "value": "vaerdi",
    "person_id": "pseudonym",
    "period": "periode",
    "indikator_kode": "indikator",
}

_TRANSLATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})


def normalise_header(raw: object) -> str:
    """Case-insensitive, trimmed, æ/ø/å ≡ ae/oe/aa, punctuation and spaces → '_', then aliases."""
    text = normalise_text(raw)
    return ALIASES.get(text, text)


def normalise_text(raw: object) -> str:
    """Lower-case ASCII form of a header or sheet name (æ/ø/å → ae/oe/aa, separators → '_')."""
    text = "" if raw is None else str(raw)
    # NFC first: a decomposed å (a + U+030A, as some Mac and web exports write) is å, so it folds to 'aa'
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "").strip().lower().translate(_TRANSLATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def header_score(values: list[str | None]) -> int:
    """How many of our column names a row holds (distinct, after normalising)."""
    return len({normalise_header(v) for v in values if v} & KNOWN_HEADERS)


def type_from_name(name: str) -> str | None:
    """File type from a name like '101_MOVE_forloeb_2026-03-31.csv' (a hint only)."""
    stem = normalise_text(name.rsplit(".", 1)[0])
    for part in stem.split("_"):
        if part in DANISH_TYPE_NAMES:
            return DANISH_TYPE_NAMES[part]
    return None


def reporting_date_from_name(name: str) -> str | None:
    match = re.search(r"(\d{4}-\d{2}-\d{2})", name)
    return match.group(1) if match else None


def detect_file_type(columns: set[str], name_hint: str | None = None) -> str | None:
    """Recognise the file type from its columns (the file name is used only to break a tie)."""
    if {"pseudonym", "indikator"} <= columns or {"pseudonym", "vaerdi"} <= columns:
        return "registry"
    if "sessionsdato" in columns:
        return "sessions"
    if "redskab" in columns or "tidspunkt" in columns:
        return "measurements"
    if "maaltal" in columns:
        return "targets"
    if "milepael" in columns:
        return "milestones"
    if "forloeb_id" in columns and ({"status", "startdato", "cpr", "henvisningsaarsag"} & columns):
        return "courses"
    return name_hint
