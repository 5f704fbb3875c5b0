"""Formatting for display: Danish labels and numbers as a municipality reads them (1.234, 58 %, <5)."""

from __future__ import annotations

import pandas as pd

from dashboard.store import settings

# Indicator codes of domain brief §9 that are counts (whole numbers) or rates (fractions 0-1).
RATE_INDICATORS = {"completion_rate", "target_attainment_ytd", "fidelity_dosage", "fidelity_duration", "fidelity_index",
                   "conversion_referral_start", "early_dropout_rate", "waiting_within_limit",
                   "instrument_reliably_improved", "target_projection_year_end", "milestones_done_share"}
COUNT_INDICATORS = {"referrals", "starts", "active_end", "ended_completed", "ended_interrupted", "ended_total",
                    "overdue_active", "milestones_overdue", "count"}
DAY_INDICATORS = {"duration_days_median", "waiting_days_median"}
PERIOD_TYPE_LABELS = {"month": "Måned", "quarter": "Kvartal", "year": "År"}
INDICATOR_LABELS = {
    "referrals": "Henvisninger",
    "starts": "Opstartede forløb",
    "active_end": "Aktive forløb ved periodens slut",
    "ended_completed": "Gennemførte forløb",
    "ended_interrupted": "Afbrudte forløb",
    "completion_rate": "Gennemførelsesrate",
    "duration_days_median": "Varighed (median, dage)",
    "waiting_days_median": "Ventetid (median, dage)",
    "target_attainment_ytd": "Måltalsopfyldelse år til dato",
    "fidelity_dosage": "Fidelitet: dosis",
    "fidelity_duration": "Fidelitet: varighed",
    "overdue_active": "Aktive forløb over maksimal varighed",
    "fidelity_index": "Fidelitetsindeks",
    "conversion_referral_start": "Henvisning → opstart",
    "early_dropout_rate": "Tidligt frafald",
    "waiting_within_limit": "Opstart inden for ventetidsgrænsen",
    "ended_total": "Afsluttede forløb i alt",
    "instrument_reliably_improved": "Pålideligt forbedret (måleredskab)",
    "target_projection_year_end": "Fremskrevet måltalsopfyldelse ved årets slut",
    "milestones_done_share": "Andel opfyldte milepæle",
    "milestones_overdue": "Milepæle over tid",
}

FACTOR_LABELS = {"ledelse": "Ledelse", "kompetencer": "Kompetencer", "organisering": "Organisering"}


def suppression_label() -> str:
    return f"<{settings().suppression_threshold}"


def format_value(value: float | None, code: str, hidden: bool = False) -> str:
    if hidden:
        # Counts below the threshold are shown as "<5"; a rate or median built on them is hidden.
        return suppression_label() if (code in COUNT_INDICATORS or code.startswith("starts_")) else "skjult"
    if value is None or pd.isna(value):
        return "–"
    if code in RATE_INDICATORS or code == "fidelity_index":
        return f"{value * 100:.0f} %".replace(".", ",")
    if code in DAY_INDICATORS:
        return f"{value:.0f} dage"
    return f"{value:,.0f}".replace(",", ".")


def displayed(frame: pd.DataFrame) -> pd.DataFrame:
    """Add a text column 'vist' with the value as shown (suppressed → '<5')."""
    if frame.empty:
        return frame
    frame = frame.copy()
    frame["vist"] = [
        format_value(v, c, bool(h)) for v, c, h in zip(frame["value"], frame["indicator"], frame.get(
            "is_hidden", pd.Series(False, index=frame.index)), strict=True)
    ]
    return frame
