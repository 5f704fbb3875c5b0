"""Synthetic municipal files at a named scale (S/M/L): realistic, deterministic, fictitious CPR only.

Everything intervention-specific comes from the catalog (codes, course model, items, instruments,
milestones, register indicators). The generator writes the inbox layout of README "File formats":

    out/<kommunekode>/<kommunekode>_<INDSATS>_<type>_<YYYY-MM-DD>.csv   (forloeb, sessioner, maalinger,
                                                                         maaltal, milepaele)
    out/register/register_<YYYY-MM-DD>.csv                              (registry extract, pseudonymised)

and sets each file's mtime to a simulated arrival time (most within the catalog deadline, some late).
Realistic noise is deliberate: waiting times beyond the limit, drop-outs, sessions and durations
outside the catalog ranges, overloaded practitioners, missing fields, overlapping courses for the same
person, varying encodings/delimiters/date formats, and ~1-2 % typical municipal mistakes so that the
validation and data-quality layers have something to find. CPR numbers are fictitious (day + 60).
"""

from __future__ import annotations

import calendar
import os
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from udbredelse.catalog import Catalog, Intervention, load_catalog
from udbredelse.pseudonym import pseudonymise
from udbredelse.settings import Settings

FILE_TYPES = ("forloeb", "sessioner", "maalinger", "maaltal", "milepaele")
COURSE_BASE_COLUMNS = [
    "kommunekode", "indsats", "forloeb_id", "cpr", "henvisningsdato", "henvisningsaarsag", "status",
    "startdato", "slutdato", "afslutningsaarsag", "antal_sessioner", "medarbejder_id",
]
SESSION_COLUMNS = ["kommunekode", "indsats", "forloeb_id", "sessionsdato"]
MEASUREMENT_COLUMNS = ["kommunekode", "indsats", "forloeb_id", "redskab", "tidspunkt", "dato", "score"]
TARGET_COLUMNS = ["kommunekode", "indsats", "aar", "maaltal"]
MILESTONE_COLUMNS = ["kommunekode", "indsats", "milepael", "status", "dato"]
REGISTRY_COLUMNS = ["pseudonym", "periode", "indikator", "vaerdi"]

# Approximate populations in thousands (2024), used only to scale recruitment by municipality size.
POPULATION_K: dict[str, float] = {
    "101": 660, "147": 105, "151": 52, "153": 39, "155": 14, "157": 75, "159": 70, "161": 24, "163": 30,
    "165": 28, "167": 55, "169": 56, "173": 57, "175": 41, "183": 24, "185": 44, "187": 17, "190": 41,
    "201": 26, "210": 41, "217": 64, "219": 54, "223": 25, "230": 57, "240": 44, "250": 46, "253": 51,
    "259": 62, "260": 31, "265": 90, "269": 24, "270": 41, "306": 33, "316": 73, "320": 37, "326": 49,
    "329": 36, "330": 80, "336": 23, "340": 30, "350": 29, "360": 40, "370": 84, "376": 60, "390": 46,
    "400": 39, "410": 39, "420": 41, "430": 52, "440": 24, "450": 32, "461": 207, "479": 59, "480": 29,
    "482": 12, "492": 6, "510": 56, "530": 27, "540": 74, "550": 37, "561": 116, "563": 3.5, "573": 50,
    "575": 43, "580": 59, "607": 52, "615": 97, "621": 94, "630": 121, "657": 90, "661": 59, "665": 19,
    "671": 21, "706": 43, "707": 37, "710": 49, "727": 24, "730": 99, "740": 97, "741": 3.7, "746": 64,
    "751": 370, "756": 42, "760": 56, "766": 47, "773": 20, "779": 46, "787": 43, "791": 98, "810": 36,
    "813": 59, "820": 36, "825": 1.8, "840": 30, "846": 42, "849": 38, "851": 222, "860": 64,
}
DEFAULT_POPULATION_K = 40.0
COURSES_PER_1000_PER_YEAR = 0.30  # referrals per 1,000 inhabitants per year at full speed, before factors

# Weights for the common end reasons of interrupted courses; an intervention's own codes share the rest.
COMMON_END_WEIGHTS = {"borger_ophoert": 0.35, "udeblevet": 0.30, "flyttet": 0.08, "doed": 0.015, "anden": 0.08}
OWN_END_WEIGHT = 0.12

# Registry profile per indicator code: baseline share by target group and the change after a
# completed course (interrupted: 30 %). Unknown codes get DEFAULT_REGISTER_PROFILE.
REGISTER_PROFILE: dict[str, tuple[float, float, float]] = {
    # code: (baseline boern_unge, baseline voksne, effect)
    "beskaeftiget": (0.12, 0.10, 0.08),
    "i_uddannelse": (0.45, 0.05, 0.12),
    "offentlig_forsoergelse": (0.25, 0.85, -0.10),
    "anbragt": (0.15, 0.00, -0.05),
    "sigtet": (0.15, 0.20, -0.06),
    "psykiatrisk_kontakt": (0.20, 0.35, -0.05),
    "hjemloes": (0.05, 0.90, -0.55),
}
DEFAULT_REGISTER_PROFILE = (0.20, 0.20, 0.0)
REGISTER_OFFSETS_MONTHS = (-12, -6, 0, 6, 12, 18, 24)  # baseline, start, and 12/24 months after start

STAFF_INITIALS = ["SØ", "KØ", "MÅ", "JØ", "BÆ", "LH", "PN", "TR", "CØ", "HK", "BÅ", "EM", "NØ", "RS", "ÆB", "ØJ"]
UNKNOWN_CODES = ["andet", "ukendt", "99", "misbrug", "rusmidler", "afsluttet"]

MISTAKE_RATE = 0.015  # share of course rows with a typical municipal mistake
MISSING_REFERRAL_RATE = 0.03
MISSING_STAFF_RATE = 0.04
LATE_RATE = 0.10
OLD_SNAPSHOT_RATE = 0.30
VANISH_RATE = 0.01


@dataclass(frozen=True)
class ScaleSpec:
    """A named scale: which municipalities, how many interventions, how many years, how much volume."""

    name: str
    municipalities: tuple[str, ...] | None  # None: all municipalities in the catalog
    n_interventions: int
    years: int
    volume: float = 1.0


SCALES: dict[str, ScaleSpec] = {
    # København and Aarhus (large), Horsens and Slagelse (medium), Langeland (small: small cells)
    "S": ScaleSpec("S", ("101", "751", "615", "330", "482"), n_interventions=2, years=2, volume=1.5),
    "M": ScaleSpec("M", None, n_interventions=4, years=3),
    "L": ScaleSpec("L", None, n_interventions=4, years=3, volume=10.0),
}


@dataclass(frozen=True)
class FileStyle:
    """How one municipality's system writes its files."""

    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252
    separator: str = ";"
    date_format: str = "%Y-%m-%d"
    crlf: bool = False
    cpr_hyphen: bool = True
    empty_cpr_column: bool = False  # for interventions without CPR: keep an empty cpr column
    excel: bool = False  # saved as .xlsx (a sheet named after the file type, dates as Excel dates)

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.excel else ".csv"

    @property
    def decimal_comma(self) -> bool:
        return self.separator == ";" and self.date_format != "%Y-%m-%d"


@dataclass
class Upload:
    """One municipality x intervention: its reporting dates, style and arrival times."""

    kommunekode: str
    iv: Intervention
    reporting_date: date
    style: FileStyle
    arrival: datetime
    old_date: date | None = None
    old_arrival: datetime | None = None
    old_late: bool = False
    late: bool = False


@dataclass
class Totals:
    files: int = 0
    courses: int = 0
    course_rows_all: int = 0
    sessions: int = 0
    measurements: int = 0
    targets: int = 0
    milestones: int = 0
    register_rows: int = 0
    late_files: int = 0
    persons: list[tuple[str, date, bool, str, tuple[str, ...]]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------

def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_end_before(as_of: date, period: str) -> date:
    """Last day of the last full reporting period (month or quarter) that ends before `as_of`."""
    if period == "month":
        return as_of.replace(day=1) - timedelta(days=1)
    quarter_start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return quarter_start - timedelta(days=1)


def _periods_back(end: date, period: str, k: int) -> date:
    step = 1 if period == "month" else 3
    return _add_months(end + timedelta(days=1), -step * k) - timedelta(days=1)


def _d64(day: date) -> np.datetime64:
    return np.datetime64(day, "D")


def _date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months_ = days.astype("datetime64[M]")
    months = months_.astype(np.int64) % 12 + 1
    dom = (days - months_.astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, dom


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _code_key(code: str) -> int:
    return zlib.crc32(code.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# scale and plan
# ---------------------------------------------------------------------------------------------

def pick_interventions(catalog: Catalog, n: int) -> list[Intervention]:
    """Choose n interventions by catalog properties, in catalog order.

    First a CPR-collecting one (preferring monthly reporting, the richest to follow), then one that
    collects no CPR (track 2 style), then the rest in catalog order.
    """
    ivs = list(catalog.interventions.values())
    if n >= len(ivs):
        return ivs
    picked: list[Intervention] = []
    with_cpr = sorted((iv for iv in ivs if iv.collects_cpr), key=lambda iv: iv.reporting.period != "month")
    without_cpr = [iv for iv in ivs if not iv.collects_cpr]
    for group in (with_cpr, without_cpr):
        if group and len(picked) < n:
            picked.append(group[0])
    for iv in ivs:
        if len(picked) >= n:
            break
        if iv not in picked:
            picked.append(iv)
    order = {iv.code: i for i, iv in enumerate(ivs)}
    return sorted(picked, key=lambda iv: order[iv.code])


def _draw_style(rng: np.random.Generator) -> FileStyle:
    encoding = rng.choice(["utf-8", "utf-8-sig", "cp1252"], p=[0.84, 0.08, 0.08])
    separator = ";" if rng.random() < 0.9 else ","
    date_format = rng.choice(["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%-d/%-m/%Y"], p=[0.84, 0.07, 0.06, 0.03])
    return FileStyle(
        encoding=str(encoding), separator=separator, date_format=str(date_format),
        crlf=encoding == "cp1252" or rng.random() < 0.1, cpr_hyphen=rng.random() < 0.75,
        empty_cpr_column=rng.random() < 0.35, excel=rng.random() < 0.03,
    )


def _arrival(rng: np.random.Generator, reporting_date: date, deadline: int, as_of: date, late: bool) -> datetime:
    if late:
        delay = deadline + 1 + int(rng.integers(0, 25))
    else:
        delay = int(rng.integers(1, max(deadline, 1) + 1))
    moment = datetime.combine(reporting_date + timedelta(days=delay), time(int(rng.integers(7, 17)), int(rng.integers(0, 60))), UTC)
    latest = datetime.combine(as_of, time(0, 0), UTC) - timedelta(minutes=10)  # the upload's files follow within minutes
    earliest = datetime.combine(reporting_date + timedelta(days=1), time(0, 0), UTC)
    if earliest > latest:  # as_of is the day after the period end: sent on the reporting date itself
        earliest = datetime.combine(reporting_date, time(20, 0), UTC)
    return max(earliest, min(moment, latest))


def _is_late(arrival: datetime, reporting_date: date, deadline: int) -> bool:
    return arrival.date() > reporting_date + timedelta(days=deadline)


def _plan(catalog: Catalog, spec: ScaleSpec, ivs: list[Intervention], seed: int, as_of: date) -> list[Upload]:
    kommuner = list(spec.municipalities) if spec.municipalities else sorted(catalog.municipalities)
    uploads: list[Upload] = []
    for kode in kommuner:
        for iv in ivs:
            rng = _rng(seed, int(kode), _code_key(iv.code), 1)
            reporting = period_end_before(as_of, iv.reporting.period)
            deadline = iv.reporting.deadline_days
            style = _draw_style(rng)
            late = rng.random() < LATE_RATE
            up = Upload(kode, iv, reporting, style, _arrival(rng, reporting, deadline, as_of, late))
            if rng.random() < OLD_SNAPSHOT_RATE:
                up.old_date = _periods_back(reporting, iv.reporting.period, int(rng.integers(1, 4)))
                old_late = rng.random() < LATE_RATE * 2
                up.old_arrival = _arrival(rng, up.old_date, deadline, as_of, old_late)
            uploads.append(up)
    _ensure_variety(uploads, seed, as_of)
    for up in uploads:
        up.late = _is_late(up.arrival, up.reporting_date, up.iv.reporting.deadline_days)
        if up.old_date is not None and up.old_arrival is not None:
            up.old_late = _is_late(up.old_arrival, up.old_date, up.iv.reporting.deadline_days)
    return uploads


def _ensure_variety(uploads: list[Upload], seed: int, as_of: date) -> None:
    """Make sure even a small run exercises every file variant, an earlier snapshot and a late file."""
    rng = _rng(seed, 3)
    n = len(uploads)
    if n == 0:
        return
    wanted = [
        ("encoding", "utf-8-sig", lambda s: s.encoding == "utf-8-sig" and not s.excel),
        ("encoding", "cp1252", lambda s: s.encoding == "cp1252" and not s.excel),
        ("separator", ",", lambda s: s.separator == "," and not s.excel),
        ("date_format", "%d-%m-%Y", lambda s: s.date_format != "%Y-%m-%d" and not s.excel),
        ("excel", True, lambda s: s.excel),
    ]
    # only touch uploads still in the default style, so forced variants land on distinct files
    free = [i for i, up in enumerate(uploads) if up.style == FileStyle(
        crlf=up.style.crlf, cpr_hyphen=up.style.cpr_hyphen, empty_cpr_column=up.style.empty_cpr_column)]
    order = [free[i] for i in rng.permutation(len(free))]
    # pop() takes the largest municipalities' CPR interventions first: most rows and columns to exercise
    order.sort(key=lambda i: (uploads[i].iv.collects_cpr, POPULATION_K.get(uploads[i].kommunekode, DEFAULT_POPULATION_K)))
    for attr, value, present in wanted:
        if any(present(up.style) for up in uploads) or not order:
            continue
        i = order.pop()
        style = uploads[i].style
        kwargs = {attr: value}
        if attr == "encoding" and value == "cp1252":
            kwargs["crlf"] = True
        uploads[i].style = FileStyle(**{**style.__dict__, **kwargs})
    # an earlier snapshot for at least two uploads (supersession)
    with_old = [up for up in uploads if up.old_date is not None]
    sizes = [POPULATION_K.get(up.kommunekode, DEFAULT_POPULATION_K) for up in uploads]
    larger = [i for i in rng.permutation(n) if sizes[i] >= float(np.median(sizes)) and uploads[i].old_date is None]
    for i in larger[: max(0, 2 - len(with_old))]:  # larger municipalities: enough rows to compare
        up = uploads[int(i)]
        up.old_date = _periods_back(up.reporting_date, up.iv.reporting.period, 1)
        up.old_arrival = _arrival(rng, up.old_date, up.iv.reporting.deadline_days, as_of, False)
    # at least one late file: an earlier snapshot has room before as_of
    def late_count() -> int:
        return sum(_is_late(up.arrival, up.reporting_date, up.iv.reporting.deadline_days) for up in uploads) + sum(
            _is_late(up.old_arrival, up.old_date, up.iv.reporting.deadline_days)
            for up in uploads if up.old_date is not None and up.old_arrival is not None)
    if late_count() == 0:
        for up in uploads:
            if up.old_date is not None:
                up.old_arrival = _arrival(rng, up.old_date, up.iv.reporting.deadline_days, as_of, True)
                if late_count() > 0:
                    break


# ---------------------------------------------------------------------------------------------
# course simulation (one municipality x intervention, vectorised)
# ---------------------------------------------------------------------------------------------

@dataclass
class Courses:
    n: int
    forloeb_id: np.ndarray
    referral: np.ndarray          # datetime64[D]
    referral_missing: np.ndarray  # bool
    start: np.ndarray             # datetime64[D], NaT = never starts
    end: np.ndarray               # datetime64[D], true end (may lie after the reporting date)
    completed: np.ndarray         # bool: ends as gennemfoert (else afbrudt)
    never: np.ndarray             # bool: referred but never starts
    reason: np.ndarray            # object
    end_reason: np.ndarray        # object
    staff: np.ndarray             # object (None = missing)
    items: dict[str, np.ndarray]  # item code -> bool
    cpr: np.ndarray | None        # object 10-digit, None when the catalog collects no CPR
    sess_course: np.ndarray       # int index into courses, grouped and date-sorted
    sess_date: np.ndarray         # datetime64[D]
    vanished: np.ndarray          # bool: missing from the latest snapshot (was in an earlier one)


def _simulate(
    rng: np.random.Generator, catalog: Catalog, iv: Intervention, kode: str, window_start: date,
    reporting: date, support_start: date, rate_per_year: float, quality: float,
    used_cpr: set[str],
) -> Courses:
    cm = iv.course_model
    months = np.arange(np.datetime64(window_start, "M"), np.datetime64(reporting, "M") + 1)
    recruit_from = np.datetime64(_add_months(support_start, 2), "M")
    rel = (months - recruit_from).astype(np.int64)
    ramp = np.clip((rel + 1) / 6.0, 0.0, 1.0)
    month_no = months.astype(np.int64) % 12 + 1
    season = 1.0 - 0.35 * (month_no == 7) - 0.15 * (month_no == 12)
    counts = rng.poisson(rate_per_year / 12.0 * ramp * season)
    first_days = months.astype("datetime64[D]")
    month_len = ((months + 1).astype("datetime64[D]") - first_days).astype(np.int64)
    ref_month = np.repeat(np.arange(len(months)), counts)
    referral = first_days[ref_month] + (rng.random(len(ref_month)) * month_len[ref_month]).astype(np.int64)
    referral = np.sort(referral[referral <= _d64(reporting)])
    n = len(referral)

    never = rng.random(n) < 0.05
    wmax = max(cm.waiting_days_max, 1)
    wait = np.maximum(0, np.round(rng.lognormal(np.log(wmax * 0.45), 0.6, n))).astype(np.int64)
    start = referral + wait
    start[never] = np.datetime64("NaT")

    completed = rng.random(n) < quality * 0.85
    long_run = rng.random(n) < 0.03
    dmin, dmax = cm.duration_days.min, cm.duration_days.max
    dur = np.where(
        rng.random(n) < 0.92,
        dmin + rng.beta(2.0, 2.3, n) * (dmax - dmin),
        rng.uniform(max(1, dmin * 0.35), max(dmin, 2), n),
    )
    dur_interrupted = 3 + rng.random(n) ** 1.6 * 0.75 * dmax
    dur = np.where(completed, dur, dur_interrupted)
    dur = np.where(long_run, dmax * rng.uniform(1.1, 1.9, n), dur)
    completed = completed | long_run
    dur = np.maximum(1, np.round(dur)).astype(np.int64)
    end = start + dur

    smin, smax = cm.sessions.min, cm.sessions.max
    planned = cm.sessions.planned or round((smin + smax) / 2)
    u = rng.random(n)
    in_range = np.clip(np.round(rng.normal(planned, max((smax - smin) / 4, 1), n)), smin, smax)
    below = rng.integers(max(1, smin // 3), max(smin, max(1, smin // 3) + 1), n)
    above = smax + rng.integers(1, max(2, int(np.ceil(0.3 * smax))) + 1, n)
    n_completed = np.where(u < 0.90, in_range, np.where(u < 0.96, below, above))
    mid_dur = (dmin + dmax) / 2
    n_interrupted = np.round(planned * np.minimum(1.0, dur / mid_dur) * rng.uniform(0.4, 1.1, n))
    n_long = np.round(planned * rng.uniform(1.0, 1.6, n))
    n_total = np.where(long_run, n_long, np.where(completed, n_completed, n_interrupted)).astype(np.int64)
    n_total[never] = 0
    n_total = np.maximum(n_total, 0)

    # sessions: front-loaded within the course (decreasing contact over the phases), first on the start date
    gamma_base = 1.8 if len(cm.phases) > 1 else 1.6
    gamma = gamma_base * rng.lognormal(0.0, 0.25, n)
    sess_course = np.repeat(np.arange(n), n_total)
    offsets = np.floor(rng.random(len(sess_course)) ** gamma[sess_course] * dur[sess_course]).astype(np.int64)
    order = np.lexsort((offsets, sess_course))
    sess_course, offsets = sess_course[order], offsets[order]
    firsts = np.cumsum(n_total) - n_total
    has = n_total > 0
    offsets[firsts[has]] = 0
    lasts = firsts + n_total - 1
    closes = (n_total >= 2) & completed
    offsets[lasts[closes]] = dur[closes]
    sess_date = start[sess_course] + offsets

    # codes
    own_ref = [c.code for c in iv.referral_reasons]
    common_ref = [c["code"] for c in catalog.common["referral_reasons"] if c["code"] not in own_ref]
    ref_codes = own_ref + common_ref
    ref_p = np.array([0.88 / max(len(own_ref), 1)] * len(own_ref) + [0.12 / max(len(common_ref), 1)] * len(common_ref))
    reason = np.array(ref_codes, dtype=object)[rng.choice(len(ref_codes), n, p=ref_p / ref_p.sum())]
    own_end = [c.code for c in iv.end_reasons]
    common_end = [c["code"] for c in catalog.common["end_reasons"] if c["code"] not in own_end]
    end_codes = common_end + own_end
    end_p = np.array([COMMON_END_WEIGHTS.get(c, 0.05) for c in common_end]
                     + [OWN_END_WEIGHT / max(len(own_end), 1)] * len(own_end))
    end_reason = np.array(end_codes, dtype=object)[rng.choice(len(end_codes), n, p=end_p / end_p.sum())]

    items = {it.code: rng.random(n) < (0.72 + 0.25 * quality) for it in iv.items}

    # practitioners: sized from the active caseload at the reporting date, some teams overloaded
    active = int(np.sum(~never & (start <= _d64(reporting)) & (end > _d64(reporting))))
    cap = iv.max_caseload or 12
    load = rng.uniform(0.5, 1.0) if rng.random() < 0.7 else rng.uniform(1.1, 1.6)
    n_staff = max(1, int(np.ceil(active / (cap * load))) if active else 2)
    pool = rng.permutation(len(STAFF_INITIALS))
    danish = [k for k, p in enumerate(pool) if not STAFF_INITIALS[p].isascii()]
    if danish:  # every team has someone with æ/ø/å in their initials (exercises the encodings)
        pool[[0, danish[0]]] = pool[[danish[0], 0]]
    pool = pool[: min(n_staff, len(STAFF_INITIALS))]
    names = np.array([f"{STAFF_INITIALS[p]}{k // len(pool) + 1:02d}" for k, p in
                      enumerate(np.resize(pool, n_staff))], dtype=object)
    staff = names[rng.choice(n_staff, n, p=rng.dirichlet(np.full(n_staff, 3.0)))] if n else np.array([], dtype=object)
    staff[rng.random(n) < MISSING_STAFF_RATE] = None

    years, _, _ = _date_parts(referral)
    seq = np.arange(1, n + 1)
    prefix = ["", "F-", f"{kode}-", "SAG"][int(rng.integers(0, 4))]
    forloeb_id = np.array([f"{prefix}{y}-{s:05d}" for y, s in zip(years, seq, strict=True)], dtype=object)

    cpr = _cprs(rng, iv, referral, start, end, used_cpr) if iv.collects_cpr else None
    return Courses(
        n=n, forloeb_id=forloeb_id, referral=referral, referral_missing=rng.random(n) < MISSING_REFERRAL_RATE,
        start=start, end=end, completed=completed, never=never, reason=reason, end_reason=end_reason,
        staff=staff, items=items, cpr=cpr, sess_course=sess_course, sess_date=sess_date,
        vanished=np.zeros(n, dtype=bool),
    )


def _cprs(
    rng: np.random.Generator, iv: Intervention, referral: np.ndarray, start: np.ndarray, end: np.ndarray,
    used: set[str],
) -> np.ndarray:
    """Fictitious CPR numbers (day + 60) with a valid century digit; some people in two courses."""
    n = len(referral)
    lo, hi = (13, 25) if iv.target_group == "boern_unge" else (25, 65)
    age_days = (rng.uniform(lo, hi + 1, n) * 365.25).astype(np.int64)
    birth = referral - age_days
    years, months, dom = _date_parts(birth)
    male = rng.random(n) < 0.58

    def draw(idx: np.ndarray) -> np.ndarray:
        k = len(idx)
        c7 = np.where(years[idx] < 2000, rng.integers(0, 4, k),
                      np.array([4, 4, 4, 9, 5, 6])[rng.integers(0, 6, k)])
        head = (dom[idx] + 60) * 10_000 + months[idx] * 100 + (years[idx] % 100)
        sex = male[idx].astype(np.int64)
        # most numbers pass modulus 11 with the sex's parity, as issued before 2007; a few do not
        weights_head = sum(w * ((head // 10 ** (5 - i)) % 10) for i, w in enumerate((4, 3, 2, 7, 6, 5)))
        mid = rng.integers(0, 100, k)
        last = rng.integers(0, 5, k) * 2 + sex
        pending = rng.random(k) < 0.95
        for _ in range(40):
            if not pending.any():
                break
            total = weights_head + 4 * c7 + 3 * (mid // 10) + 2 * (mid % 10)
            check = (-total) % 11
            ok = pending & (check < 10) & (check % 2 == sex)
            last = np.where(ok, check, last)
            pending &= ~ok
            mid = np.where(pending, rng.integers(0, 100, k), mid)
        value = head * 10_000 + c7 * 1000 + mid * 10 + last
        return value.astype(str).astype(object)

    cpr = np.empty(n, dtype=object)
    todo = np.arange(n)
    while len(todo):
        cpr[todo] = draw(todo)
        seen: set[str] = set()
        clash = []
        for i in todo:
            if cpr[i] in used or cpr[i] in seen:
                clash.append(i)
            else:
                seen.add(cpr[i])
        used.update(seen)
        todo = np.array(clash, dtype=np.int64)
    # the same person again: mostly an overlapping course (previous start still running), some re-referrals
    started = np.flatnonzero(~np.isnat(start))
    if len(started) > 2:
        order = started[np.argsort(start[started], kind="stable")]
        pick = np.flatnonzero(rng.random(len(order)) < 0.012)
        pick = pick[pick > 0]
        pick = pick[end[order[pick - 1]] > start[order[pick]]]  # the earlier course is still running
        cpr[order[pick]] = cpr[order[pick - 1]]
        again = np.flatnonzero(rng.random(n) < 0.02)
        again = again[again > 0]
        if len(again):
            cpr[again] = cpr[(rng.random(len(again)) * again).astype(np.int64)]
    return cpr


# ---------------------------------------------------------------------------------------------
# snapshots and files
# ---------------------------------------------------------------------------------------------

def _course_snapshot(c: Courses, iv: Intervention, kode: str, on: date, rng: np.random.Generator,
                     latest: bool) -> pl.DataFrame:
    d = _d64(on)
    keep = c.referral <= d
    if latest:
        keep &= ~c.vanished
    idx = np.flatnonzero(keep)
    start, end = c.start[idx], c.end[idx]
    started = ~np.isnat(start) & (start <= d)
    ended = started & (end <= d)
    completed = c.completed[idx]
    wmax = iv.course_model.waiting_days_max
    given_up = c.never[idx] & (c.referral[idx] + 2 * wmax + 14 <= d)
    status = np.where(~started, np.where(given_up, "ikke_startet", "henvist"),
                      np.where(~ended, "i_gang", np.where(completed, "gennemfoert", "afbrudt"))).astype(object)
    nat = np.datetime64("NaT")
    startdato = np.where(started, start, nat)
    slutdato = np.where(ended, end, nat)
    end_reason = np.where(ended & ~completed, c.end_reason[idx], None)
    counted = c.sess_date <= d
    sessions = np.bincount(c.sess_course[counted], minlength=c.n)[idx]
    referral = np.where(c.referral_missing[idx], nat, c.referral[idx])
    staff = np.where(c.never[idx], None, c.staff[idx])
    cols: dict[str, object] = {
        "kommunekode": np.full(len(idx), kode, dtype=object),
        "indsats": np.full(len(idx), iv.code, dtype=object),
        "forloeb_id": c.forloeb_id[idx],
        "cpr": c.cpr[idx] if c.cpr is not None else np.full(len(idx), None, dtype=object),
        "henvisningsdato": referral.astype("datetime64[D]"),
        "henvisningsaarsag": c.reason[idx],
        "status": status,
        "startdato": startdato.astype("datetime64[D]"),
        "slutdato": slutdato.astype("datetime64[D]"),
        "afslutningsaarsag": end_reason.astype(object),
        "antal_sessioner": sessions.astype(np.int64),
        "medarbejder_id": staff.astype(object),
    }
    for code, values in c.items.items():
        # not (yet) started: the element has not been delivered, so municipalities write 'nej'
        cols[code] = np.where(started & values[idx], "ja", "nej").astype(object)
    if iv.collects_cpr:
        _inject_mistakes(cols, rng, on, list(c.items))
    else:
        _inject_mistakes(cols, rng, on, list(c.items), cpr_mistakes=False)
    return _frame(cols, COURSE_BASE_COLUMNS + [it.code for it in iv.items])


def _frame(cols: dict[str, object], order: list[str]) -> pl.DataFrame:
    series = []
    for name in order:
        values = cols[name]
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            series.append(pl.Series(name, values.astype("datetime64[D]")))
        elif isinstance(values, np.ndarray) and values.dtype == object:
            series.append(pl.Series(name, values.tolist(), dtype=pl.String))
        else:
            series.append(pl.Series(name, values))
    return pl.DataFrame(series)


def _inject_mistakes(cols: dict, rng: np.random.Generator, on: date, items: list[str], cpr_mistakes: bool = True) -> None:
    """Typical municipal mistakes in ~1.5 % of rows (the validators and hygiene lists must catch them)."""
    n = len(cols["forloeb_id"])
    if n == 0:
        return
    status = cols["status"].copy()
    everyone = np.ones(n, dtype=bool)
    eligible = {
        "unknown_code": everyone,
        "end_before_start": (status == "gennemfoert") | (status == "afbrudt"),
        "missing_end": status == "gennemfoert",
        "invalid_cpr": np.array([bool(v) for v in cols["cpr"]]) if cpr_mistakes else ~everyone,
        "status_dates": everyone,
        "duplicate_id": everyone,
        "future_date": status == "i_gang",
        "missing_item": everyone if items else ~everyone,
    }
    kinds = [kind for kind, mask in eligible.items() if mask.any()]
    dup_rows: list[int] = []
    touched: set[int] = set()
    for _ in range(int(rng.binomial(n, MISTAKE_RATE))):
        kind = kinds[int(rng.integers(0, len(kinds)))]
        candidates = np.flatnonzero(eligible[kind])
        r = int(candidates[int(rng.integers(0, len(candidates)))])
        if r in touched:
            continue
        touched.add(r)
        st = status[r]
        has_start = not np.isnat(cols["startdato"][r])
        if kind == "unknown_code":
            column = "afslutningsaarsag" if st == "afbrudt" and rng.random() < 0.5 else "henvisningsaarsag"
            cols[column][r] = UNKNOWN_CODES[int(rng.integers(0, len(UNKNOWN_CODES)))]
        elif kind == "end_before_start" and st in ("gennemfoert", "afbrudt"):
            cols["slutdato"][r] = cols["startdato"][r] - int(rng.integers(1, 40))
        elif kind == "missing_end" and st == "gennemfoert":
            cols["slutdato"][r] = np.datetime64("NaT")
        elif kind == "invalid_cpr" and cols["cpr"][r]:
            value = cols["cpr"][r]
            cols["cpr"][r] = value[:9] if rng.random() < 0.5 else value[:2] + "13" + value[4:]  # still day+60
        elif kind == "status_dates":
            if st == "i_gang" and has_start:
                cols["slutdato"][r] = min(cols["startdato"][r] + int(rng.integers(5, 60)), _d64(on))
            elif st == "afbrudt":
                cols["afslutningsaarsag"][r] = None
            elif st in ("henvist", "ikke_startet"):
                base = cols["henvisningsdato"][r]
                cols["startdato"][r] = (base if not np.isnat(base) else _d64(on) - 30) + int(rng.integers(1, 20))
            elif st == "gennemfoert":
                cols["status"][r] = "i_gang"
        elif kind == "duplicate_id":
            dup_rows.append(int(r))
        elif kind == "missing_item" and items:
            cols[items[int(rng.integers(0, len(items)))]][r] = None
        elif kind == "future_date" and st == "i_gang":
            cols["startdato"][r] = _d64(on) + int(rng.integers(1, 60))
    if dup_rows:
        take = np.concatenate([np.arange(n), np.array(dup_rows)])
        for name, values in cols.items():
            cols[name] = values[take]
        for k in range(n, len(take)):  # the copy is often a slightly different version of the row
            if cols["status"][k] == "i_gang" and rng.random() < 0.5:
                cols["antal_sessioner"][k] = cols["antal_sessioner"][k] + 1


def _sessions_frame(c: Courses, iv: Intervention, kode: str, on: date) -> pl.DataFrame:
    keep = (c.sess_date <= _d64(on)) & ~c.vanished[c.sess_course]
    course = c.sess_course[keep]
    return _frame({
        "kommunekode": np.full(len(course), kode, dtype=object),
        "indsats": np.full(len(course), iv.code, dtype=object),
        "forloeb_id": c.forloeb_id[course],
        "sessionsdato": c.sess_date[keep],
    }, SESSION_COLUMNS)


def _measurements_frame(c: Courses, iv: Intervention, kode: str, on: date, rng: np.random.Generator) -> pl.DataFrame:
    d = _d64(on)
    started = ~np.isnat(c.start) & (c.start <= d) & ~c.vanished
    ended = started & (c.end <= d)
    parts: list[dict[str, np.ndarray]] = []
    for inst in iv.instruments:
        span = inst.score_max - inst.score_min
        better = 1.0 if inst.higher_is_better else -1.0
        centre = inst.score_min + span * (0.4 if inst.higher_is_better else 0.6)
        base = np.clip(rng.normal(centre, 0.15 * span, c.n), inst.score_min, inst.score_max)
        gain = np.where(c.completed, rng.normal(1.3, 1.0, c.n), rng.normal(0.3, 1.0, c.n)) * inst.reliable_change
        final = np.clip(base + better * gain, inst.score_min, inst.score_max)
        follow = np.clip(final + better * rng.normal(-0.2, 0.8, c.n) * inst.reliable_change, inst.score_min, inst.score_max)
        fu_days = iv.course_model.follow_up_days or 180
        for point in inst.points:
            if point == "start":
                mask = started & (rng.random(c.n) < 0.9)
                when = np.minimum(c.start + rng.integers(0, 8, c.n), d)
                score = base
            elif point == "slut":
                mask = ended & (rng.random(c.n) < np.where(c.completed, 0.82, 0.3))
                when = np.maximum(c.end - rng.integers(0, 6, c.n), c.start)
                score = final
            else:
                due = c.end + fu_days
                mask = ended & c.completed & (due <= d) & (rng.random(c.n) < 0.6)
                when = np.minimum(due + rng.integers(-14, 15, c.n), d)
                score = follow
            idx = np.flatnonzero(mask)
            value = np.round(score[idx], 1)
            wild = rng.random(len(idx)) < 0.005  # a typing error: score outside the instrument's range
            value[wild] = inst.score_max + np.round(rng.uniform(1, span, int(wild.sum())), 0)
            parts.append({
                "forloeb_id": c.forloeb_id[idx], "redskab": np.full(len(idx), inst.code, dtype=object),
                "tidspunkt": np.full(len(idx), point, dtype=object), "dato": when[idx], "score": value,
            })
    if not parts:
        return _frame({k: np.array([], dtype=object) for k in MEASUREMENT_COLUMNS}, MEASUREMENT_COLUMNS)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    m = len(cols["forloeb_id"])
    cols["kommunekode"] = np.full(m, kode, dtype=object)
    cols["indsats"] = np.full(m, iv.code, dtype=object)
    cols["dato"] = cols["dato"].astype("datetime64[D]")
    cols["score"] = cols["score"].astype(np.float64)
    return _frame(cols, MEASUREMENT_COLUMNS)


def _targets_frame(iv: Intervention, kode: str, window_start: date, on: date, rate: float,
                   rng: np.random.Generator) -> pl.DataFrame:
    years = np.arange(window_start.year, on.year + 1)
    planned = np.maximum(1, np.round(rate * rng.uniform(0.85, 1.3, len(years)))).astype(np.int64)
    planned = np.where(planned >= 20, np.round(planned / 5) * 5, planned).astype(np.int64)
    return _frame({
        "kommunekode": np.full(len(years), kode, dtype=object), "indsats": np.full(len(years), iv.code, dtype=object),
        "aar": years.astype(np.int64), "maaltal": planned,
    }, TARGET_COLUMNS)


def _milestones_frame(catalog: Catalog, iv: Intervention, kode: str, support_start: date, on: date,
                      rng: np.random.Generator, lag: float) -> pl.DataFrame:
    rows = catalog.milestones_for(iv.code)
    k = len(rows)
    due = np.array([m.due_month for m in rows], dtype=np.float64)
    done_month = np.maximum(due + lag + rng.normal(0.0, 2.0, k), rng.uniform(0.3, 1.5, k))  # not before support
    done_month[rng.random(k) < 0.05] = np.inf  # stuck: never met (overdue once its due month has passed)
    begun_month = np.where(np.isfinite(done_month), done_month, due + rng.normal(0.0, 3.0, k)) - rng.uniform(1.0, 4.0, k)
    done_month = np.minimum(done_month, 10_000.0)
    s0 = _d64(support_start)
    done = s0 + np.round(done_month * 30.44).astype(np.int64)
    begun = s0 + np.round(np.maximum(begun_month, 0) * 30.44).astype(np.int64)
    d = _d64(on)
    status = np.where(done <= d, "opfyldt", np.where(begun <= d, "i_gang", "ikke_startet")).astype(object)
    dato = np.where(done <= d, done, np.where(begun <= d, begun, np.datetime64("NaT"))).astype("datetime64[D]")
    return _frame({
        "kommunekode": np.full(k, kode, dtype=object), "indsats": np.full(k, iv.code, dtype=object),
        "milepael": np.array([m.code for m in rows], dtype=object), "status": status, "dato": dato,
    }, MILESTONE_COLUMNS)


def _write(df: pl.DataFrame, path: Path, style: FileStyle, arrival: datetime) -> None:
    if "cpr" in df.columns:
        cpr = pl.col("cpr")
        if style.cpr_hyphen:
            cpr = pl.when(cpr.str.len_chars() == 10).then(cpr.str.slice(0, 6) + "-" + cpr.str.slice(6)).otherwise(cpr)
        df = df.with_columns(cpr.alias("cpr"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if style.excel:
        sheet = path.stem.split("_")[2] if path.stem.count("_") >= 3 else "Ark1"
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path))
        workbook.set_properties({"created": arrival.replace(tzinfo=None)})  # deterministic bytes
        df.write_excel(workbook, worksheet=sheet, autofit=False, table_style=None, dtype_formats={pl.Date: "dd-mm-yyyy"})
        workbook.close()
        stamp = arrival.timestamp()
        os.utime(path, (stamp, stamp))
        return
    text = df.write_csv(
        separator=style.separator, date_format=style.date_format, null_value="",
        line_terminator="\r\n" if style.crlf else "\n", decimal_comma=style.decimal_comma,
    )
    path.write_bytes(text.encode(style.encoding))
    stamp = arrival.timestamp()
    os.utime(path, (stamp, stamp))


# ---------------------------------------------------------------------------------------------
# registry extract
# ---------------------------------------------------------------------------------------------

def _registry(persons: list[tuple[str, date, bool, str, tuple[str, ...]]], settings: Settings, seed: int,
              as_of: date) -> pl.DataFrame:
    """Monthly 0/1 register indicators around each person's first course start, keyed by pseudonym."""
    empty = pl.DataFrame({c: [] for c in REGISTRY_COLUMNS}, schema=dict.fromkeys(REGISTRY_COLUMNS, pl.String))
    if not persons:
        return empty
    first: dict[str, tuple[date, bool, str, tuple[str, ...]]] = {}
    for cpr, start, completed, group, indicators in persons:
        if cpr not in first or start < first[cpr][0]:
            first[cpr] = (start, completed, group, indicators)
    key = settings.pseudonym_key_bytes
    rng = _rng(seed, 99)
    last_month = np.datetime64(as_of, "M") - 1
    frames = []
    cprs = sorted(first)
    starts = np.array([first[c][0] for c in cprs], dtype="datetime64[D]").astype("datetime64[M]")
    completed = np.array([first[c][1] for c in cprs])
    groups = np.array([first[c][2] for c in cprs], dtype=object)
    pseudo = np.array([pseudonymise(c, key) for c in cprs], dtype=object)
    indicator_sets = [first[c][3] for c in cprs]
    codes = sorted({code for s in indicator_sets for code in s})
    offsets = np.array(REGISTER_OFFSETS_MONTHS)
    for code in codes:
        who = np.flatnonzero(np.array([code in s for s in indicator_sets]))
        if not len(who):
            continue
        youth_base, adult_base, effect = REGISTER_PROFILE.get(code, DEFAULT_REGISTER_PROFILE)
        base = np.where(groups[who] == "boern_unge", youth_base, adult_base)
        latent = rng.random(len(who))
        p_idx = np.repeat(np.arange(len(who)), len(offsets))
        off = np.tile(offsets, len(who))
        month = starts[who][p_idx] + off
        keep = month <= last_month
        p_idx, off, month = p_idx[keep], off[keep], month[keep]
        strength = np.clip(off / 12.0, 0.0, 1.0) * np.where(completed[who][p_idx], 1.0, 0.3)
        p = np.clip(base[p_idx] + effect * strength, 0.01, 0.99)
        u = np.where(rng.random(len(p_idx)) < 0.8, latent[p_idx], rng.random(len(p_idx)))
        frames.append(pl.DataFrame({
            "pseudonym": pseudo[who][p_idx].tolist(),
            "periode": np.datetime_as_string(month, unit="M").tolist(),
            "indikator": [code] * len(p_idx),
            "vaerdi": (u < p).astype(np.int64),
        }))
    if not frames:
        return empty
    return pl.concat(frames).sort(["pseudonym", "periode", "indikator"])


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------

def generate(scale: str | ScaleSpec, out: Path, seed: int, settings: Settings, as_of: date | None = None) -> dict:
    """Write synthetic municipal files for `scale` under `out`; deterministic for (scale, seed, as_of)."""
    spec = scale if isinstance(scale, ScaleSpec) else SCALES[str(scale).upper()]
    as_of = as_of or date.today()
    out = Path(out)
    catalog = load_catalog(settings.catalog_path)
    ivs = pick_interventions(catalog, spec.n_interventions)
    uploads = _plan(catalog, spec, ivs, seed, as_of)
    totals = Totals()
    used_cpr: set[str] = set()
    for up in uploads:
        _generate_upload(catalog, spec, up, seed, out, settings, used_cpr, totals)

    register_date = as_of.replace(day=1) - timedelta(days=1)
    registry = _registry(totals.persons, settings, seed, as_of)
    if registry.height:
        path = out / "register" / f"register_{register_date.isoformat()}.csv"
        arrival = datetime.combine(as_of, time(0, 0), UTC) - timedelta(hours=int(_rng(seed, 98).integers(12, 72)))
        _write(registry, path, FileStyle(), arrival)
        totals.files += 1
        totals.register_rows = registry.height
    return {
        "scale": spec.name,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "out": str(out),
        "files": totals.files,
        "courses": totals.courses,
        "course_rows_all_snapshots": totals.course_rows_all,
        "sessions": totals.sessions,
        "measurements": totals.measurements,
        "targets": totals.targets,
        "milestones": totals.milestones,
        "register_rows": totals.register_rows,
        "late_files": totals.late_files,
        "municipalities": len({up.kommunekode for up in uploads}),
        "interventions": [iv.code for iv in ivs],
    }


def _support_start_month(rng: np.random.Generator, months_total: int) -> int:
    """Implementation support starts in waves: early, a year in, and recently (months after window start)."""
    waves = [0, min(12, months_total // 2), max(0, months_total - 14)]
    wave = int(rng.choice(3, p=[0.45, 0.35, 0.20]))
    return min(months_total - 6, waves[wave] + int(rng.integers(0, 4)))


def _generate_upload(catalog: Catalog, spec: ScaleSpec, up: Upload, seed: int, out: Path, settings: Settings,
                     used_cpr: set[str], totals: Totals) -> None:
    iv, kode = up.iv, up.kommunekode
    muni_rng = _rng(seed, int(kode), 0)
    muni_size = muni_rng.lognormal(0.0, 0.3)
    quality = muni_rng.uniform(0.7, 1.0)
    lag = muni_rng.normal(0.5, 2.0)
    iv_factor = _rng(seed, _code_key(iv.code), 0).uniform(0.6, 1.4)
    rng = _rng(seed, int(kode), _code_key(iv.code), 2)

    reporting = up.reporting_date
    window_start = _add_months(reporting + timedelta(days=1), -12 * spec.years)
    months_total = 12 * spec.years
    support_start = _add_months(window_start, _support_start_month(rng, months_total))
    pop_k = max(POPULATION_K.get(kode, DEFAULT_POPULATION_K), 8.0)
    rate = pop_k * COURSES_PER_1000_PER_YEAR * iv_factor * muni_size * spec.volume
    c = _simulate(rng, catalog, iv, kode, window_start, reporting, support_start, rate, quality, used_cpr)
    folder = out / kode

    def name(kind: str, on: date) -> Path:
        return folder / f"{kode}_{iv.code}_{kind}_{on.isoformat()}{up.style.suffix}"

    if up.old_date is not None and up.old_arrival is not None and up.old_date >= window_start:
        old = _course_snapshot(c, iv, kode, up.old_date, rng, latest=False)
        if old.height:
            in_old = c.referral <= _d64(up.old_date)
            c.vanished = in_old & (rng.random(c.n) < VANISH_RATE)
            if not c.vanished.any() and in_old.sum() >= 3:  # a course deleted by mistake in the newer upload
                c.vanished[rng.choice(np.flatnonzero(in_old))] = True
            _write(_drop_cpr(old, iv, up.style), name("forloeb", up.old_date), up.style, up.old_arrival)
            totals.files += 1
            totals.course_rows_all += old.height
            totals.late_files += int(up.old_late)

    courses = _course_snapshot(c, iv, kode, reporting, rng, latest=True)
    if courses.height:
        _write(_drop_cpr(courses, iv, up.style), name("forloeb", reporting), up.style, up.arrival)
        totals.files += 1
        totals.courses += courses.height
        totals.course_rows_all += courses.height
        totals.late_files += int(up.late)
        sessions = _sessions_frame(c, iv, kode, reporting)
        if sessions.height:
            _write(sessions, name("sessioner", reporting), up.style, up.arrival + timedelta(minutes=1))
            totals.files += 1
            totals.sessions += sessions.height
        measurements = _measurements_frame(c, iv, kode, reporting, rng)
        if measurements.height:
            _write(measurements, name("maalinger", reporting), up.style, up.arrival + timedelta(minutes=2))
            totals.files += 1
            totals.measurements += measurements.height
        if c.cpr is not None:
            d = _d64(reporting)
            started = np.flatnonzero(~np.isnat(c.start) & (c.start <= d) & ~c.vanished)
            for i in started:
                totals.persons.append((c.cpr[i], c.start[i].item(), bool(c.completed[i] and c.end[i] <= d),
                                       iv.target_group, tuple(iv.register_indicators)))
    targets = _targets_frame(iv, kode, window_start, reporting, rate, rng)
    _write(targets, name("maaltal", reporting), up.style, up.arrival + timedelta(minutes=3))
    totals.targets += targets.height
    milestones = _milestones_frame(catalog, iv, kode, support_start, reporting, rng, lag)
    _write(milestones, name("milepaele", reporting), up.style, up.arrival + timedelta(minutes=4))
    totals.milestones += milestones.height
    totals.files += 2


def _drop_cpr(df: pl.DataFrame, iv: Intervention, style: FileStyle) -> pl.DataFrame:
    """Interventions without CPR: no cpr values at all (column omitted, or left empty by some systems)."""
    if iv.collects_cpr:
        return df
    if style.empty_cpr_column:
        return df.with_columns(pl.lit(None, dtype=pl.String).alias("cpr"))
    return df.drop("cpr")
