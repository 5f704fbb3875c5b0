"""The register cohort delivery to Danmarks Statistik: CPR-keyed course list, encrypted with age.

What is delivered (udbredelse/export/README.md, DST's rules for linking outside data) in `out_dir`:

* `kohorte_<rapporteringsdato>.csv.age` – one row per course in the current snapshot of every
  intervention whose catalog entry collects CPR. CPR is the linkage key; besides it only
  numeric/categorical variables (codes) and dates; no names, no free text. The municipality's own
  course id (`forloeb_id`) is free text and is left out; `forloebsnoegle`, a keyed HMAC of
  (kommunekode, indsats, forloeb_id) under the pseudonym key, replaces it: stable across deliveries,
  reveals nothing. The CSV is encrypted for the recipient's age X25519 public key
  (`UDBREDELSE_COHORT_RECIPIENT`); in demo mode for the committed demo key in `demo_keys/`.
* `variabelbeskrivelse.md` / `variabelbeskrivelse.csv` – the documentation appendix DST asks for:
  every variable, its type, and its codes with Danish labels from the catalog.
* `manifest.json` – files with `sha256` of the bytes on disk and row counts (the encrypted file also
  labelled: `sha256_ciphertext` = its `sha256`, and `sha256_plaintext`), the period, key ids (pseudonym key id, recipient fingerprint),
  created_at/created_by, and `content_sha256`.

Determinism: rows are sorted (indsats, kommunekode, pseudonym, startdato, forloebsnoegle), so a rerun
on the same data gives byte-identical plaintext and descriptions. age encryption uses a fresh file
key per run, so the ciphertext differs by design. `created_at`/`created_by` record the actual run
and are excluded from `content_sha256`, which covers everything else in the manifest (including the
plaintext hashes; the ciphertext hash is left out): the same period and data give the same
`content_sha256`.

Clear CPR exists only inside `export_cohort` (from `udbredelse.vault.read_cpr`) and inside the
encrypted file; it is never logged, returned or written elsewhere.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from udbredelse.catalog import Catalog, load_catalog
from udbredelse.export.audit import append_audit
from udbredelse.export.published import columns_of, find_relation, published, query_pl, quoted
from udbredelse.export.safe_csv import csv_bytes
from udbredelse.settings import Settings, SettingsError

DEMO_KEYS_DIR = Path(__file__).resolve().parent / "demo_keys"
MANIFEST = "manifest.json"
DESCRIPTION_MD = "variabelbeskrivelse.md"
DESCRIPTION_CSV = "variabelbeskrivelse.csv"
MANIFEST_VERSION = 1

# dbt models that hold the current snapshot of courses (first found wins); else raw fallback.
CURRENT_COURSE_MODELS: tuple[tuple[str, str], ...] = (
    ("marts", "courses_current"),
    ("marts", "fct_courses_current"),
    ("intermediate", "int_courses_current"),
    ("marts", "int_courses_current"),
    ("main", "int_courses_current"),
)
# Column name in the delivery -> candidate names in the source relation.
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "kommunekode": ("kommunekode",),
    "indsats": ("indsats",),
    "forloeb_id": ("forloeb_id", "course_id"),
    "person_id": ("person_id",),
    "pseudonym_key_id": ("pseudonym_key_id",),
    "reporting_date": ("reporting_date", "rapporteringsdato", "snapshot_date"),
    "henvisningsdato": ("henvisningsdato", "referral_date"),
    "henvisningsaarsag": ("henvisningsaarsag", "referral_reason_code", "referral_reason"),
    "status": ("status", "status_code"),
    "startdato": ("startdato", "start_date"),
    "slutdato": ("slutdato", "end_date"),
    "afslutningsaarsag": ("afslutningsaarsag", "end_reason_code", "end_reason"),
}

# The fallback rule when no dbt model is published: the latest accepted course file per kommune × indsats.
RAW_CURRENT_COURSES_SQL = """
with latest as (
    select
        file_id,
        row_number() over (
            partition by kommunekode, indsats
            order by reporting_date desc, received_at desc, file_id desc
        ) as rn
    from raw.files
    where file_type = 'courses' and status in ('accepted', 'partial')
)
select c.*
from raw.courses as c
inner join latest as l on c.file_id = l.file_id and l.rn = 1
"""


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str
    code_type: str | None = None  # key into the catalog's code lists


# The delivered variables, in column order. The CSV, the description and the tests all follow this list.
VARIABLES: tuple[Variable, ...] = (
    Variable("cpr", "tekst, 10 cifre", "CPR-nummer uden bindestreg. Eneste nøgle til samkøring med registrene."),
    Variable("pseudonym", "tekst, 32 hex-tegn",
             "Projektets pseudonym for personen (HMAC-SHA256 af CPR-nummeret under en hemmelig nøgle). "
             "Bruges når registerudtrækket sendes retur."),
    Variable("pseudonym_noegle_id", "tekst", "Id for den nøgle, pseudonymet er dannet med."),
    Variable("forloebsnoegle", "tekst, 16 hex-tegn",
             "Stabil nøgle for forløbet (HMAC af kommunekode, indsats og kommunens forløbs-id). "
             "Erstatter kommunens forløbs-id, som er fritekst og derfor ikke leveres."),
    Variable("indsats", "kategorisk", "Indsatsens kode.", "indsats"),
    Variable("kommunekode", "kategorisk", "Kommunens kode (3 cifre).", "kommune"),
    Variable("rapporteringsdato", "dato (ÅÅÅÅ-MM-DD)", "Datoen for det øjebliksbillede, rækken stammer fra."),
    Variable("henvisningsdato", "dato (ÅÅÅÅ-MM-DD)", "Dato for henvisning til indsatsen. Kan være tom."),
    Variable("henvisningsaarsag", "kategorisk", "Årsag til henvisning.", "referral_reason"),
    Variable("status", "kategorisk", "Forløbets status på rapporteringsdatoen.", "status"),
    Variable("startdato", "dato (ÅÅÅÅ-MM-DD)", "Forløbets startdato. Tom for henviste, ikke startede forløb."),
    Variable("slutdato", "dato (ÅÅÅÅ-MM-DD)", "Forløbets slutdato. Tom for forløb, der ikke er afsluttet."),
    Variable("afslutningsaarsag", "kategorisk", "Årsag til afslutning. Kan være tom.", "end_reason"),
)
DELIVERY_COLUMNS = tuple(v.name for v in VARIABLES)


# ---- keys --------------------------------------------------------------------------------------
def demo_recipient() -> str:
    return (DEMO_KEYS_DIR / "demo_recipient.txt").read_text(encoding="utf-8").strip()


def demo_identity() -> str:
    """The DEMO-ONLY age identity (public: committed in the repository)."""
    return (DEMO_KEYS_DIR / "demo_identity.txt").read_text(encoding="utf-8").strip()


def cohort_recipient(settings: Settings) -> str:
    """The age recipient to encrypt for; production refuses without its own (Danish message)."""
    configured = (settings.cohort_recipient or "").strip()
    if not configured:
        if settings.is_demo:
            return demo_recipient()
        raise SettingsError(
            "UDBREDELSE_COHORT_RECIPIENT er ikke sat. I produktion laves kohorteleverancen kun krypteret "
            "til modtagerens offentlige age-nøgle (age1…); demo-nøglen må ikke bruges."
        )
    if not settings.is_demo and configured == demo_recipient():
        raise SettingsError("UDBREDELSE_COHORT_RECIPIENT er demo-nøglen, som er offentlig. Den må ikke bruges i produktion.")
    return configured


def recipient_fingerprint(recipient: str) -> str:
    return "sha256:" + hashlib.sha256(recipient.encode("ascii")).hexdigest()[:16]


def course_key(key: bytes, kommunekode: str, indsats: str, forloeb_id: str) -> str:
    message = "\x1f".join(("forloeb", kommunekode or "", indsats or "", forloeb_id or "")).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def encrypt_for(data: bytes, recipient: str) -> bytes:
    import pyrage

    try:
        parsed = pyrage.x25519.Recipient.from_str(recipient)
    except Exception as exc:  # pyrage raises its own RecipientError
        raise SettingsError("Modtagerens age-nøgle kan ikke læses (forventet formatet age1…).") from exc
    return pyrage.encrypt(data, [parsed])


# ---- reading the current snapshot (no CPR here) -------------------------------------------------
def cpr_interventions(catalog: Catalog) -> list[str]:
    return sorted(code for code, iv in catalog.interventions.items() if iv.collects_cpr)


def current_courses(settings: Settings, indsatser: list[str]) -> tuple[pl.DataFrame, str]:
    """Current-snapshot course rows of the given interventions (pseudonymised; no CPR) and their source."""
    with published(settings) as con:
        source_rel = find_relation(con, CURRENT_COURSE_MODELS)
        rel_cols: list[str] = columns_of(con, *source_rel) if source_rel else []
        mapping = _map_columns(rel_cols) if source_rel else None
        if source_rel and mapping is not None:
            source = ".".join(source_rel)
            parts = [f'm."{src}" as {dst}' if src else f"null as {dst}" for dst, src in mapping.items()]
            if mapping["pseudonym_key_id"] is None and "file_id" in {c.lower() for c in rel_cols}:
                # the model has no key id column: take it from the raw course row it came from
                parts[list(mapping).index("pseudonym_key_id")] = (
                    "(select any_value(rc.pseudonym_key_id) from raw.courses as rc "
                    "where rc.file_id = m.file_id and rc.person_id = m.person_id) as pseudonym_key_id"
                )
            sql = f"select {', '.join(parts)} from {quoted(*source_rel)} as m"  # noqa: S608 - names from information_schema/constants
        else:
            source = "raw.courses (seneste godkendte forløbsfil pr. kommune og indsats)"
            select = ", ".join(f"{dst}" for dst in SOURCE_COLUMNS)
            sql = f"select {select} from ({RAW_CURRENT_COURSES_SQL}) as cur"  # noqa: S608 - constant SQL
        frame = query_pl(con, sql)
    frame = frame.filter(pl.col("indsats").is_in(indsatser))
    return frame, source


def _map_columns(available: list[str]) -> dict[str, str | None] | None:
    """Source column per delivery field, or None when a required one is missing (then use raw)."""
    lower = {c.lower(): c for c in available}
    mapping: dict[str, str | None] = {}
    optional = {"henvisningsdato", "henvisningsaarsag", "afslutningsaarsag", "slutdato", "startdato",
                "pseudonym_key_id"}
    for dst, candidates in SOURCE_COLUMNS.items():
        found = next((lower[c] for c in candidates if c in lower), None)
        if found is None and dst not in optional:
            return None
        mapping[dst] = found
    return mapping


def cohort_frame(courses: pl.DataFrame, cpr_by_person: dict[str, str], pseudonym_key: bytes) -> tuple[pl.DataFrame, int]:
    """The delivery table (DELIVERY_COLUMNS, sorted). Rows whose person has no CPR in the vault are dropped."""
    with_person = courses.filter(pl.col("person_id").is_not_null())
    keys = [
        course_key(pseudonym_key, k, i, f)
        for k, i, f in zip(with_person["kommunekode"], with_person["indsats"], with_person["forloeb_id"], strict=True)
    ]
    cprs = [cpr_by_person.get(p) for p in with_person["person_id"]]

    def as_date(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.Date, strict=False)

    frame = with_person.with_columns(
        pl.Series("cpr", cprs, dtype=pl.Utf8),
        pl.Series("forloebsnoegle", keys, dtype=pl.Utf8),
    ).select(
        pl.col("cpr"),
        pl.col("person_id").cast(pl.Utf8).alias("pseudonym"),
        pl.col("pseudonym_key_id").cast(pl.Utf8).alias("pseudonym_noegle_id"),
        pl.col("forloebsnoegle"),
        pl.col("indsats").cast(pl.Utf8),
        pl.col("kommunekode").cast(pl.Utf8),
        as_date("reporting_date").alias("rapporteringsdato"),
        as_date("henvisningsdato"),
        pl.col("henvisningsaarsag").cast(pl.Utf8),
        pl.col("status").cast(pl.Utf8),
        as_date("startdato"),
        as_date("slutdato"),
        pl.col("afslutningsaarsag").cast(pl.Utf8),
    )
    missing = int(frame["cpr"].is_null().sum())
    frame = frame.filter(pl.col("cpr").is_not_null()).sort(
        ["indsats", "kommunekode", "pseudonym", "startdato", "forloebsnoegle"], nulls_last=True
    )
    return frame.select(DELIVERY_COLUMNS), missing


# ---- the variable description (appendix) ----------------------------------------------------------
def code_lists(catalog: Catalog, indsatser: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """(code, label, indsats-or-'alle') per code type, sorted, for the delivered interventions."""
    lists: dict[str, list[tuple[str, str, str]]] = {
        "indsats": [(code, catalog.interventions[code].name, code) for code in indsatser],
        "kommune": [(k, m.kommunenavn, "alle") for k, m in sorted(catalog.municipalities.items())],
        "status": [(c["code"], c["label"], "alle") for c in catalog.common.get("statuses", [])],
        "referral_reason": [],
        "end_reason": [],
    }
    for code_type, common_key, attr in (
        ("referral_reason", "referral_reasons", "referral_reasons"),
        ("end_reason", "end_reasons", "end_reasons"),
    ):
        for c in catalog.common.get(common_key, []):
            lists[code_type].append((c["code"], c["label"], "alle"))
        for indsats in indsatser:
            for c in getattr(catalog.interventions[indsats], attr):
                lists[code_type].append((c.code, c.label, indsats))
    return lists


def description_frame(catalog: Catalog, indsatser: list[str]) -> pl.DataFrame:
    """variabelbeskrivelse.csv: one row per variable, plus one row per code of categorical variables."""
    codes = code_lists(catalog, indsatser)
    rows: list[dict[str, Any]] = []
    for position, var in enumerate(VARIABLES, start=1):
        base = {"nr": position, "variabel": var.name, "type": var.type, "beskrivelse": var.description}
        if var.code_type is None:
            rows.append({**base, "kode": None, "kodetekst": None, "gaelder_indsats": None})
        else:
            for code, label, scope in codes[var.code_type]:
                rows.append({**base, "kode": code, "kodetekst": label, "gaelder_indsats": scope})
    return pl.DataFrame(rows, schema={
        "nr": pl.Int32, "variabel": pl.Utf8, "type": pl.Utf8, "beskrivelse": pl.Utf8,
        "kode": pl.Utf8, "kodetekst": pl.Utf8, "gaelder_indsats": pl.Utf8,
    })


def _md_cell(text: Any) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def description_markdown(catalog: Catalog, indsatser: list[str], period: str, rows: int, data_file: str,
                         pseudonym_key_id: str, fingerprint: str) -> str:
    codes = code_lists(catalog, indsatser)
    lines = [
        "# Variabelbeskrivelse – kohortefil til registeropfølgning",
        "",
        f"Leverance: `{data_file}` (krypteret med age). Rapporteringsdato: {period}. Rækker: {rows}.",
        f"Pseudonymnøgle-id: `{pseudonym_key_id}`. Modtagernøgle (fingeraftryk): `{fingerprint}`.",
        "",
        "Én række pr. forløb i det seneste godkendte øjebliksbillede for hver kommune og indsats, "
        "der indsamler CPR-nummer. CPR-nummeret er eneste samkøringsnøgle; de øvrige variable er "
        "koder, datoer eller nøgler. Der leveres ingen navne og ingen fritekst (kommunens eget "
        "forløbs-id er erstattet af `forloebsnoegle`). Filformat: CSV (RFC 4180), UTF-8, komma som "
        "skilletegn, CRLF-linjeskift, første række er kolonnenavne; tomt felt = ingen værdi.",
        "",
        "Resultater fra samkøringen må kun udleveres med mindst 3 personer pr. celle.",
        "",
        "| nr | variabel | type | beskrivelse |",
        "|---:|---|---|---|",
    ]
    for position, var in enumerate(VARIABLES, start=1):
        lines.append(f"| {position} | `{var.name}` | {_md_cell(var.type)} | {_md_cell(var.description)} |")
    for var in VARIABLES:
        if var.code_type is None:
            continue
        lines += ["", f"## Koder: `{var.name}`", "", "| kode | tekst | gælder indsats |", "|---|---|---|"]
        for code, label, scope in codes[var.code_type]:
            lines.append(f"| `{_md_cell(code)}` | {_md_cell(label)} | {_md_cell(scope)} |")
    return "\n".join(lines) + "\n"


# ---- manifest ---------------------------------------------------------------------------------------
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest without the run-specific fields (created_*, ciphertext hashes, itself)."""
    stable = {k: v for k, v in manifest.items() if k not in ("created_at", "created_by", "content_sha256")}
    stable["files"] = [
        {k: v for k, v in f.items() if not (f.get("encrypted") and k in ("sha256", "sha256_ciphertext"))}
        for f in manifest.get("files", [])
    ]
    return _sha256(json.dumps(stable, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "ukendt")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _clear_previous(out_dir: Path) -> None:
    """Remove a previous delivery in the same folder (only the files its manifest lists, and .tmp leftovers).

    Any other file makes the folder unfit for a delivery (it could be mistaken for part of it): refuse.
    """
    manifest_path = out_dir / MANIFEST
    names: set[str] = set()
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            names = {Path(f["name"]).name for f in previous.get("files", [])}
        except (ValueError, KeyError, TypeError):
            names = set()
    ours = names | {MANIFEST}
    others = sorted(
        p.name for p in out_dir.iterdir()
        if p.name not in ours and not p.name.endswith(".tmp")
    )
    if others:
        raise SettingsError(
            f"Mappen {out_dir} indeholder andre filer ({', '.join(others[:3])}). "
            "Vælg en tom mappe til kohorteleverancen."
        )
    for p in out_dir.iterdir():
        if p.is_file() and (p.name in ours or p.name.endswith(".tmp")):
            p.unlink()


def write_delivery(out_dir: Path, frame: pl.DataFrame, *, catalog: Catalog, indsatser: list[str], period: str,
                   pseudonym_key_id: str, recipient: str, source: str, is_demo: bool,
                   rows_without_cpr: int = 0) -> dict[str, Any]:
    """Encrypt the table, write the description and the manifest; returns the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(out_dir)
    fingerprint = recipient_fingerprint(recipient)
    data_name = f"kohorte_{period}.csv.age"
    plaintext = csv_bytes(frame)
    plaintext_sha256 = _sha256(plaintext)
    ciphertext = encrypt_for(plaintext, recipient)
    del plaintext  # the only clear copy; nothing else keeps it
    description = description_frame(catalog, indsatser)
    description_csv = csv_bytes(description)
    description_md = description_markdown(
        catalog, indsatser, period, frame.height, data_name, pseudonym_key_id, fingerprint
    ).encode("utf-8")
    files = [
        {
            "name": data_name, "rows": frame.height, "encrypted": True, "encryption": "age X25519",
            "format": "csv", "sha256": _sha256(ciphertext), "sha256_ciphertext": _sha256(ciphertext),
            "sha256_plaintext": plaintext_sha256,
        },
        {"name": DESCRIPTION_CSV, "rows": description.height, "encrypted": False,
         "format": "csv", "sha256": _sha256(description_csv)},
        {"name": DESCRIPTION_MD, "rows": None, "encrypted": False, "format": "markdown",
         "sha256": _sha256(description_md)},
    ]
    _write_atomic(out_dir / data_name, ciphertext)
    _write_atomic(out_dir / DESCRIPTION_CSV, description_csv)
    _write_atomic(out_dir / DESCRIPTION_MD, description_md)
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "delivery": "kohorte til registeropfølgning",
        "period": period,
        "interventions": indsatser,
        "source": source,
        "rows": frame.height,
        "rows_without_cpr": rows_without_cpr,
        "columns": list(frame.columns),
        "files": files,
        "pseudonym_key_id": pseudonym_key_id,
        "recipient": recipient,
        "recipient_fingerprint": fingerprint,
        "demo_key": is_demo and recipient == demo_recipient(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "created_by": _actor(),
        "content_sha256_covers": "alt i manifestet undtagen created_at, created_by og den krypterede fils sha256",
    }
    manifest["content_sha256"] = content_hash(manifest)
    _write_atomic(out_dir / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode())
    return manifest


# ---- the export ---------------------------------------------------------------------------------------
def export_cohort(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Build, encrypt and document the register cohort delivery in `out_dir`; audit-logged. No CPR returned."""
    recipient = cohort_recipient(settings)  # refuse early in production without a recipient
    settings.check()
    catalog = load_catalog(settings.catalog_path)
    indsatser = cpr_interventions(catalog)
    courses, source = current_courses(settings, indsatser)
    if courses.height:
        period = str(max(d for d in courses["reporting_date"].cast(pl.Date, strict=False) if d is not None))
    else:
        period = "ingen-data"
    person_ids = sorted({p for p in courses["person_id"] if p is not None})

    from udbredelse.vault import read_cpr  # the only caller of the vault (udbredelse/export/README.md)

    cpr_by_person = read_cpr(settings, person_ids) if person_ids else {}
    frame, missing = cohort_frame(courses, cpr_by_person, settings.pseudonym_key_bytes)
    del cpr_by_person
    manifest = write_delivery(
        Path(out_dir), frame, catalog=catalog, indsatser=indsatser, period=period,
        pseudonym_key_id=settings.pseudonym_key_id, recipient=recipient, source=source,
        is_demo=settings.is_demo, rows_without_cpr=missing,
    )
    del frame
    result = {
        "out_dir": str(Path(out_dir)),
        "period": period,
        "rows": manifest["rows"],
        "rows_without_cpr": missing,
        "interventions": indsatser,
        "source": source,
        "files": [f["name"] for f in manifest["files"]] + [MANIFEST],
        "recipient_fingerprint": manifest["recipient_fingerprint"],
        "pseudonym_key_id": manifest["pseudonym_key_id"],
        "content_sha256": manifest["content_sha256"],
        "verified": verify_cohort(Path(out_dir)),
    }
    append_audit(settings, "export_cohort", **{k: v for k, v in result.items() if k != "files"},
                 files={f["name"]: f["sha256"] for f in manifest["files"]})
    return result


def verify_cohort(out_dir: Path, identity: str | None = None) -> bool:
    """Check the delivery against its manifest: every file present with its hash and row count, no extra
    files, content hash intact. With the recipient's age identity, also decrypt and check the plaintext."""
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("content_sha256") != content_hash(manifest):
            return False
        listed = {f["name"] for f in files}
        present = {p.name for p in out_dir.iterdir() if p.is_file()} - {MANIFEST}
        if listed != present:
            return False
        for entry in files:
            data = (out_dir / Path(entry["name"]).name).read_bytes()
            if _sha256(data) != entry["sha256"]:
                return False
            if entry.get("encrypted"):
                if entry["sha256_ciphertext"] != entry["sha256"]:
                    return False
                if identity is not None:
                    import pyrage

                    plain = pyrage.decrypt(data, [pyrage.x25519.Identity.from_str(identity)])
                    if _sha256(plain) != entry["sha256_plaintext"] or _csv_rows(plain) != entry["rows"]:
                        return False
            elif entry.get("format") == "csv" and _csv_rows(data) != entry["rows"]:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False
    except Exception:  # pyrage.DecryptError and friends: not the recipient or a damaged file
        return False


def _csv_rows(data: bytes) -> int:
    import csv
    import io

    return max(0, sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))) - 1)
