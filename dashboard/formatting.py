"""Formatting for display: Danish labels and numbers as a municipality reads them (1.234, 58 %, <5)."""

from __future__ import annotations

import pandas as pd

from udbredelse.disclosure import NOT_PUBLIC  # the mark of a row outside the public grain

# Indicator codes (README "The indicator table") that are counts (whole numbers) or rates (fractions 0-1).
RATE_INDICATORS = {"completion_rate", "target_attainment_ytd", "fidelity_dosage", "fidelity_duration", "fidelity_index",
                   "conversion_referral_start", "early_dropout_rate", "waiting_within_limit",
                   "instrument_reliably_improved", "target_projection_year_end", "milestones_done_share"}
COUNT_INDICATORS = {"referrals", "starts", "active_end", "ended_completed", "ended_interrupted", "ended_total",
                    "overdue_active", "milestones_overdue", "count"}
DAY_INDICATORS = {"duration_days_median", "waiting_days_median"}
PERIOD_TYPE_LABELS = {"month": "Måned", "quarter": "Kvartal", "year": "År"}

FACTOR_LABELS = {"ledelse": "Ledelse", "kompetencer": "Kompetencer", "organisering": "Organisering"}


def suppression_label() -> str:
    from dashboard.queries import suppression_threshold  # the applied threshold, from the published copy

    return f"<{suppression_threshold()}"


HIDDEN_LABEL = "skjult"


def not_public_label() -> str:
    """How a row outside the public grain reads ("ikke offentlig"): catalog `publication_label`."""
    from dashboard.queries import catalog

    return str(catalog().common.get("publication_label") or HIDDEN_LABEL)


def is_count(code: str) -> bool:
    return code in COUNT_INDICATORS or code.startswith(("starts_", "ended_reason_"))


def hidden_label(code: str, mark: object) -> str:
    """How a cell the public policy hides reads: "<5" only for a primary-suppressed count (1 to
    threshold-1); a complementary ('secondary') cell, a rate or median hidden with its count, or a cell
    without a known reason: "skjult" (which claims nothing about the size of the hidden value)."""
    if mark == NOT_PUBLIC:
        return not_public_label()
    return suppression_label() if mark == "primary" and is_count(code) else HIDDEN_LABEL


def suppression_legend(analyst: bool) -> str:
    """The legend beside tables and figures that carry suppression marks."""
    small = f"«{suppression_label()}»: et lille tal (1–{int(suppression_label()[1:]) - 1})"
    hidden = (f"«{HIDDEN_LABEL}»: skjult, så et lille tal ikke kan regnes ud; en andel, median eller et indeks "
              "er skjult sammen med de antal, det bygger på")
    from dashboard.queries import catalog

    grain = f"«{not_public_label()}»: {catalog().common.get('publication_legend', '').strip()}"
    if analyst:
        return (f"Analytikere ser alle tal uden diskretionering. Tal markeret «({suppression_label()})», "
                f"«({HIDDEN_LABEL})» eller «({not_public_label()})» må ikke offentliggøres: {small}; {hidden}; "
                f"{grain}.")
    return f"Tal for andre kommuner og hele landet er diskretioneret. {small}; {hidden}; {grain}."


def format_value(value: float | None, code: str, hidden: bool = False, mark: object = None) -> str:
    """A value as shown. `hidden`: blanked for this viewer (shown by `hidden_label`); `mark`: the public
    policy's verdict ('primary'/'secondary'/None, `dashboard.scope.policy_marks`); beside a value the
    viewer may see (analysts), a set mark is added in parentheses: "3 (<5)", "12 (skjult)"."""
    if mark is not None and not isinstance(mark, str):
        mark = None if pd.isna(mark) else mark
    if hidden:
        return hidden_label(code, mark)
    if value is None or pd.isna(value):
        return "–"
    shown = _format_plain(value, code)
    return f"{shown} ({hidden_label(code, mark)})" if mark else shown


def _format_plain(value: float, code: str) -> str:
    kind = indicator_kind(code)  # rates of every family (milestones, registers, rules), not just the listed ones
    if kind == "rate":
        return f"{value * 100:.0f} %".replace(".", ",")
    if kind == "days":
        return f"{value:.0f} dage"
    if kind == "points":
        return format_number(value, 1)
    return f"{value:,.0f}".replace(",", ".")


def displayed(frame: pd.DataFrame) -> pd.DataFrame:
    """Add a text column 'vist' with the value as shown (`format_value`: '<5', 'skjult', '12 (skjult)')."""
    if frame.empty:
        return frame
    frame = frame.copy()
    hidden = frame.get("is_hidden", pd.Series(False, index=frame.index))
    marks = frame.get("mark", pd.Series(None, index=frame.index, dtype=object))
    frame["vist"] = [
        format_value(v, c, bool(h), m) for v, c, h, m in zip(frame["value"], frame["indicator"], hidden, marks,
                                                              strict=True)
    ]
    return frame


# ---- labels for every published code (templated codes composed from the catalog's labels) -----

MONTH_NAMES = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
               "november", "december"]
REGISTER_WINDOWS = {"baseline": "året før start", "12m": "12 måneder efter start", "24m": "24 måneder efter start"}
SEX_LABELS = {"m": "mænd", "k": "kvinder", "ukendt": "ukendt køn"}


def age_band_label(band: str) -> str:
    """'0_14' → '0–14 år', '65_plus' → '65 år og derover', 'ukendt' → 'ukendt alder'."""
    if band == "ukendt":
        return "ukendt alder"
    low, _, high = band.partition("_")
    return f"{low} år og derover" if high == "plus" else f"{low}–{high} år"


def indicator_label(code: str, catalog_labels: dict[str, dict[str, str]] | None = None) -> str:
    """The Danish name of an indicator code, never the code itself.

    `catalog_labels` maps a kind ('referral_reason', 'end_reason', 'fidelity_rule', 'register',
    'milestone_phase', 'factor') to {code: label} from the published catalog (queries.catalog_labels).
    """
    labels = catalog_labels or {}

    def lookup(kind: str, key: str) -> str:
        found = labels.get(kind, {}).get(key)
        if found:
            return found
        if kind == "factor" and key in FACTOR_LABELS:
            return FACTOR_LABELS[key]
        return "ukendt" if key == "ukendt" else key.replace("_", " ")

    if code in labels.get("indicator", {}):
        return labels["indicator"][code]
    if code.startswith("starts_age_"):
        return "Opstartede forløb, " + age_band_label(code[len("starts_age_"):])
    if code.startswith("starts_sex_"):
        rest = code[len("starts_sex_"):]
        return "Opstartede forløb, " + SEX_LABELS.get(rest, rest)
    if code.startswith("starts_reason_"):
        return "Opstartede forløb, henvist for: " + lookup("referral_reason", code[len("starts_reason_"):]).lower()
    if code.startswith("ended_reason_"):
        return "Afsluttede forløb, årsag: " + lookup("end_reason", code[len("ended_reason_"):]).lower()
    if code.startswith("fidelity_rule_"):
        return "Fidelitet: " + lookup("fidelity_rule", code[len("fidelity_rule_"):])
    if code.startswith("milestones_done_share_"):
        key = code[len("milestones_done_share_"):]
        kind = "milestone_phase" if key in labels.get("milestone_phase", {}) else "factor"
        return "Opfyldte milepæle: " + lookup(kind, key)
    if code.startswith("milestones_phase_days_"):
        return "Dage i implementeringsfasen: " + lookup("milestone_phase", code[len("milestones_phase_days_"):])
    if code.startswith("register_"):
        body = code[len("register_"):]
        for window, text in REGISTER_WINDOWS.items():
            if body.endswith("_" + window):
                return f"{lookup('register', body[: -len(window) - 1])}, {text}"
    return code.replace("_", " ").capitalize()


def indicator_kind(code: str) -> str:
    """How a value is shown: 'rate' (fraction → %), 'days', 'points' or 'count'."""
    if code in RATE_INDICATORS or code.startswith(("fidelity_rule_", "register_", "milestones_done_share")) or (
            code.startswith("instrument_") and code != "instrument_mean_change"):
        return "rate"
    if code in DAY_INDICATORS or code.startswith("milestones_phase_days_"):
        return "days"
    if code == "instrument_mean_change":
        return "points"
    return "count"


def format_number(value: float | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (Danish thousands dot and decimal comma); missing → '–'."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float | None) -> str:
    """0.583 → '58 %'."""
    return "–" if value is None or pd.isna(value) else f"{format_number(value * 100)} %"


def format_date(value: object) -> str:
    """A date as dd-mm-åååå ('–' when missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return pd.Timestamp(value).strftime("%d-%m-%Y")


def period_label(period: str) -> str:
    """'2026-03' → 'marts 2026', '2026-Q2' → '2. kvartal 2026', '2026' → '2026'."""
    text = str(period)
    if len(text) == 7 and text[4] == "-" and text[5:].isdigit():
        return f"{MONTH_NAMES[int(text[5:]) - 1]} {text[:4]}"
    if "-Q" in text:
        year, quarter = text.split("-Q")
        return f"{quarter}. kvartal {year}"
    return text


def month_tick(period: str) -> str:
    """'2026-03' → '03-2026' (the chart axis and run-chart sentences)."""
    text = str(period)
    return f"{text[5:7]}-{text[:4]}" if len(text) == 7 else text
