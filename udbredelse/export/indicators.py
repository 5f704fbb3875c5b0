"""The indicator table (README "The indicator table") and the data-quality scorecard as CSV exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import polars as pl

from udbredelse.disclosure import breaks_primary, suppression_kind
from udbredelse.export.audit import append_audit
from udbredelse.export.published import (
    published,
    read_indicators,
    read_table,
    read_threshold,
    with_period_coverage,
)
from udbredelse.export.safe_csv import write_csv
from udbredelse.settings import Settings, SettingsError

Audience = Literal["analyst", "public"]
BLANKED_WHEN_SUPPRESSED = ("numerator", "denominator", "value")


def apply_public_suppression(frame: pl.DataFrame, threshold: int) -> tuple[pl.DataFrame, int]:
    """Blank numerator, denominator and value where the row is suppressed (the row stays, suppressed=true).

    The disclosure policy (dbt, primary + secondary suppression) decides `suppressed`. As a last line of
    defence this export also hides any row it would otherwise publish that breaks the primary rule, by
    calling that rule (`udbredelse.disclosure.breaks_primary`), never a copy of it. Returns the frame and
    how many rows that safety net had to add; anything other than 0 means the upstream policy missed a
    cell and should be fixed there.
    """
    leaked = breaks_primary(frame, threshold) & ~frame["suppressed"].fill_null(False)
    hide = frame["suppressed"].fill_null(False) | leaked
    marks = [suppression_kind(frame, hide, threshold)] if "suppression" in frame.columns else []
    out = frame.with_columns(
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in BLANKED_WHEN_SUPPRESSED],
        hide.alias("suppressed"), *marks,
    )
    return out, int(leaked.sum())


def indicator_frame(settings: Settings, audience: Audience = "analyst") -> tuple[pl.DataFrame, int]:
    """The indicator table for an audience (analyst: everything; public: suppressed cells blank), with the
    period coverage (provisional; the coverage count on national rows)."""
    if audience not in ("analyst", "public"):
        raise SettingsError("Målgruppen skal være 'analyst' eller 'public'.")
    with published(settings) as con:
        frame = with_period_coverage(con, read_indicators(con))
        threshold = read_threshold(con)
    if audience == "public":
        return apply_public_suppression(frame, threshold)
    return frame, 0


def export_indicators(settings: Settings, out: Path, audience: Audience = "analyst") -> dict[str, Any]:
    """Write marts.indicators (published copy) as CSV with exactly the indicator table's columns and the period
    coverage (`published.EXPORT_COLUMNS`: provisional, and the coverage count on national rows); audit-logged."""
    frame, guard = indicator_frame(settings, audience)
    written = write_csv(frame, out)
    result = {
        "path": written["path"],
        "audience": audience,
        "rows": written["rows"],
        "suppressed_rows": int(frame["suppressed"].fill_null(False).sum()),
        "extra_suppressed_by_export": guard,
        "sha256": written["sha256"],
    }
    append_audit(settings, "export_indicators", **result)
    return result


def quality_frame(settings: Settings) -> pl.DataFrame:
    with published(settings) as con:
        frame = read_table(con, "marts", "dq_scorecard")
    keys = [c for c in ("kommunekode", "indsats") if c in frame.columns]
    return frame.sort(keys + [c for c in frame.columns if c not in keys], nulls_last=True)


def export_quality(settings: Settings, out: Path) -> dict[str, Any]:
    """Write marts.dq_scorecard (one row per kommune × indsats) as CSV; audit-logged."""
    frame = quality_frame(settings)
    written = write_csv(frame, out)
    result = {"path": written["path"], "rows": written["rows"], "columns": frame.columns, "sha256": written["sha256"]}
    append_audit(settings, "export_quality", **result)
    return result
