"""The indicator table (README "The indicator table") and the data-quality scorecard as CSV exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from udbredelse.catalog import load_catalog
from udbredelse.disclosure import breaks_primary, suppression_kind
from udbredelse.export.audit import append_audit
from udbredelse.export.published import (
    published,
    read_indicators,
    read_table,
    read_threshold,
    with_period_coverage,
)
from udbredelse.export.safe_csv import read_excel_csv, write_csv, write_excel_csv
from udbredelse.settings import Settings, SettingsError

Audience = Literal["analyst", "public"]
AUDIENCES: tuple[Audience, ...] = ("analyst", "public")
BLANKED_WHEN_SUPPRESSED = ("numerator", "denominator", "value")
PREAMBLE_LINES = 1  # the indicator CSV's first line names its audience and the policy; the header follows


@dataclass(frozen=True)
class ExportAudience:
    """Who an indicator export is for (catalog `common.yaml: export_audiences`)."""

    code: Audience
    label: str  # what the dashboard's Eksport page calls it
    file_name: str  # the file's name says its audience
    first_line: str  # template: {threshold}, {small}

    def heading(self, threshold: int) -> str:
        """The file's first line for the threshold the build applied."""
        small = f"1–{threshold - 1}" if threshold > 2 else "1"
        return " ".join(self.first_line.format(threshold=threshold, small=small).split())


def export_audiences(settings: Settings) -> dict[str, ExportAudience]:
    """The audiences of the indicator export, from the catalog, in the order analyst, public."""
    texts = load_catalog(settings.catalog_path).common.get("export_audiences") or {}
    missing = [code for code in AUDIENCES if code not in texts]
    if missing:
        raise SettingsError(f"Kataloget mangler export_audiences for {', '.join(missing)} (common.yaml).")
    return {code: ExportAudience(code, str(texts[code]["label"]), str(texts[code]["file_name"]),
                                 str(texts[code]["first_line"])) for code in AUDIENCES}


def read_indicator_csv(data: bytes) -> tuple[str, list[dict[str, str]]]:
    """Read an indicator export (`export_indicators`): (its first line, naming the audience; the rows as
    {column: text}, numbers with a decimal comma as Danish Excel reads them)."""
    preamble, rows = read_excel_csv(data, PREAMBLE_LINES)
    return preamble[0], rows


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
    # the policy's own marks stay (it may show a small count as "skjult" on purpose: rule 6 gives up a
    # band that would narrow a hidden partner); only a row the safety net adds gets its mark here
    marks = [pl.when(pl.Series(leaked)).then(suppression_kind(frame, hide, threshold))
             .otherwise(pl.col("suppression")).alias("suppression")] if "suppression" in frame.columns else []
    out = frame.with_columns(
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in BLANKED_WHEN_SUPPRESSED],
        hide.alias("suppressed"), *marks,
    )
    return out, int(leaked.sum())


def indicator_frame(settings: Settings, audience: Audience = "analyst") -> tuple[pl.DataFrame, int]:
    """The indicator table for an audience (analyst: everything; public: the rows of the public table
    (`public`, the catalog's publication grain) only, suppressed cells blank), with the period coverage
    (provisional; the coverage count on national rows)."""
    if audience not in ("analyst", "public"):
        raise SettingsError("Målgruppen skal være 'analyst' eller 'public'.")
    with published(settings) as con:
        frame = with_period_coverage(con, read_indicators(con))
        threshold = read_threshold(con)
    if audience == "public":
        return apply_public_suppression(frame.filter(pl.col("public").fill_null(False)), threshold)
    return frame, 0


def export_indicators(settings: Settings, out: Path, audience: Audience = "analyst") -> dict[str, Any]:
    """Write marts.indicators (published copy) as CSV for Danish Excel (`;`, decimal comma, BOM) with exactly
    the indicator table's columns and the period coverage (`published.EXPORT_COLUMNS`: provisional, and the
    coverage count on national rows), after one first line that names the audience and the disclosure policy
    (catalog `export_audiences`); audit-logged."""
    frame, guard = indicator_frame(settings, audience)
    with published(settings) as con:
        threshold = read_threshold(con)
    heading = export_audiences(settings)[audience].heading(threshold)
    written = write_excel_csv(frame, out, preamble=[heading])
    result = {
        "path": written["path"],
        "audience": audience,
        "first_line": heading,
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
