"""Management report (ledelsesrapport) per municipality as XLSX: own figures in full, national ones suppressed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from udbredelse.catalog import load_catalog
from udbredelse.export.audit import append_audit
from udbredelse.export.indicators import apply_public_suppression
from udbredelse.export.published import (
    NATIONAL,
    published,
    read_indicators,
    read_table,
    read_threshold,
    relation_exists,
)
from udbredelse.export.safe_csv import new_workbook, safe_sheet_name, write_cell, write_frame
from udbredelse.settings import Settings, SettingsError

# Indicators shown as KPIs on the overview (others are in the full table); their Danish names come from
# marts.indicator_definitions, which the build writes from the dbt models' meta.indicators.
KPI_ORDER = ("referrals", "starts", "active_end", "ended_completed", "ended_interrupted", "completion_rate",
             "duration_days_median", "waiting_days_median", "target_attainment_ytd", "fidelity_dosage",
             "fidelity_duration", "overdue_active")
CHART_INDICATORS = ("starts", "active_end", "ended_completed", "ended_interrupted")
SHARE_INDICATORS = {"completion_rate", "target_attainment_ytd", "fidelity_dosage", "fidelity_duration"}

INDICATOR_HEADERS = {
    "kommunekode": "Kommunekode", "indsats": "Indsats", "period_type": "Periodetype", "period": "Periode",
    "indicator": "Indikator", "indikator_tekst": "Indikator (tekst)", "numerator": "Tæller",
    "denominator": "Nævner", "value": "Værdi", "suppressed": "Skjult uden for kommunen", "quality": "Datakvalitet",
}
FIDELITY_HEADERS = {
    "indsats": "Indsats", "period": "Periode", "rule_code": "Regel", "label": "Beskrivelse", "checked": "Vurderede forløb",
    "passed": "Opfyldt", "adherence": "Andel opfyldt", "light": "Status", "guidance": "Hvad betyder det, og hvad kan I gøre?",
}
QUALITY_HEADERS = {
    "kommunekode": "Kommunekode", "indsats": "Indsats", "score": "Datakvalitetsscore (0-100)",
    "quality_badge": "Datakvalitet", "timeliness_score": "Rettidighed", "coverage_score": "Dækning",
    "completeness_score": "Fuldstændighed", "validity_score": "Gyldighed", "consistency_score": "Konsistens",
    "outlier_score": "Afvigende tal", "periods_expected": "Forventede perioder",
    "periods_received": "Modtagne perioder", "periods_on_time": "Rettidige perioder", "periods_late": "Sene perioder",
    "periods_missing": "Manglende perioder", "max_days_late": "Flest dage for sent", "files_received": "Modtagne filer",
    "files_rejected": "Afviste filer", "rows_read": "Indlæste rækker", "rows_rejected": "Afviste rækker",
    "courses_latest": "Forløb i seneste fil", "courses_with_issues": "Forløb med bemærkninger",
    "courses_vanished": "Forsvundne forløb", "courses_overlapping": "Overlappende forløb",
    "latest_reporting_date": "Seneste rapporteringsdato", "latest_received_at": "Seneste modtagelse",
}
PERIOD_TYPE_LABELS = {"month": "måned", "quarter": "kvartal", "year": "år"}
LIGHT_LABELS = {"green": "grøn", "groen": "grøn", "yellow": "gul", "gul": "gul", "red": "rød", "roed": "rød"}


def _normalise_kommune(kommune: str | int | None, valid: set[str]) -> str:
    if kommune is None or str(kommune).strip() == "":
        raise SettingsError("Angiv kommunen (--kommune, f.eks. 101) for ledelsesrapporten.")
    code = str(kommune).strip().zfill(3)
    if code not in valid:
        raise SettingsError(f"Kommunekoden {str(kommune).strip()!r} findes ikke blandt de 98 kommuner.")
    return code


def _report_path(out: Path, kommune: str) -> Path:
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        return out
    return out / f"ledelsesrapport_{kommune}.xlsx"


def _read_labels(con: Any) -> dict[str, str]:
    """code → Danish name from marts.indicator_definitions (plain codes; templates are left out)."""
    if not relation_exists(con, "marts", "indicator_definitions"):
        return {}
    rows = con.execute("select indicator, label from marts.indicator_definitions "
                       "where indicator is not null and indicator not like '%<%'").fetchall()
    return {code: label for code, label in rows}


def _label(code: str, labels: dict[str, str]) -> str:
    return labels.get(code, code)


def _latest_periods(own: pl.DataFrame, reporting: dict[str, str]) -> dict[str, tuple[str, str]]:
    """(period_type, latest period) per intervention, in the catalog's reporting rhythm."""
    latest: dict[str, tuple[str, str]] = {}
    for indsats in sorted(set(own["indsats"].to_list())):
        period_type = reporting.get(indsats, "month")
        rows = own.filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type))
        if rows.height == 0:
            rows = own.filter(pl.col("indsats") == indsats)
            period_type = rows["period_type"].sort()[0] if rows.height else period_type
            rows = rows.filter(pl.col("period_type") == period_type)
        if rows.height:
            latest[indsats] = (period_type, str(rows["period"].max()))
    return latest


def report_frames(settings: Settings, kommune: str) -> dict[str, Any]:
    """Everything the report shows, as frames (pure reading; used by the XLSX writer and tests)."""
    catalog = load_catalog(settings.catalog_path)
    kommune = _normalise_kommune(kommune, set(catalog.municipalities))
    reporting = {code: iv.reporting.period for code, iv in catalog.interventions.items()}
    with published(settings) as con:
        indicators = read_indicators(con)
        threshold = read_threshold(con)
        labels = _read_labels(con)
        fidelity = (
            read_table(con, "marts", "fidelity_rule_summary", where="kommunekode = ?", params=[kommune])
            if relation_exists(con, "marts", "fidelity_rule_summary") else None
        )
        quality = (
            read_table(con, "marts", "dq_scorecard", where="kommunekode = ?", params=[kommune])
            if relation_exists(con, "marts", "dq_scorecard") else None
        )
    own = indicators.filter(pl.col("kommunekode") == kommune)
    national, _ = apply_public_suppression(indicators.filter(pl.col("kommunekode") == NATIONAL), threshold)
    latest = _latest_periods(own, reporting)

    kpi_rows: list[dict[str, Any]] = []
    for indsats, (period_type, period) in latest.items():
        own_latest = own.filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type)
                                & (pl.col("period") == period))
        nat_latest = national.filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type)
                                     & (pl.col("period") == period))
        nat_by_code = {r["indicator"]: r for r in nat_latest.iter_rows(named=True)}
        own_by_code = {r["indicator"]: r for r in own_latest.iter_rows(named=True)}
        codes = [c for c in KPI_ORDER if c in own_by_code]  # the rest is in "Kommunens indikatorer"
        for code in codes:
            mine, nat = own_by_code[code], nat_by_code.get(code)
            kpi_rows.append({
                "Indsats": indsats,
                "Periode": f"{period} ({PERIOD_TYPE_LABELS.get(period_type, period_type)})",
                "Indikator": _label(code, labels),
                "Kommunen: værdi": mine["value"],
                "Kommunen: tæller": mine["numerator"],
                "Kommunen: nævner": mine["denominator"],
                "Hele landet: værdi": None if nat is None else nat["value"],
                f"Hele landet skjult (<{threshold})": None if nat is None else nat["suppressed"],
                "Datakvalitet": mine["quality"],
                "_share": code in SHARE_INDICATORS,
            })

    fidelity_latest = None
    if fidelity is not None and fidelity.height:
        parts = []
        for indsats, (period_type, period) in latest.items():
            part = fidelity.filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type)
                                   & (pl.col("period") == period))
            if part.height == 0:  # fall back to the latest period the fidelity mart has for this intervention
                sub = fidelity.filter(pl.col("indsats") == indsats)
                if sub.height:
                    part = sub.filter(pl.col("period") == sub["period"].max())
            parts.append(part)
        if parts:
            fidelity_latest = pl.concat(parts, how="diagonal_relaxed")
            if "light" in fidelity_latest.columns:
                fidelity_latest = fidelity_latest.with_columns(
                    pl.col("light").cast(pl.Utf8).replace(LIGHT_LABELS).alias("light"))
            fidelity_latest = fidelity_latest.select(
                [c for c in FIDELITY_HEADERS if c in fidelity_latest.columns]
            ).sort(["indsats", "rule_code"])

    return {
        "kommune": kommune,
        "kommunenavn": catalog.municipalities[kommune].kommunenavn,
        "latest": latest,
        "reporting": reporting,
        "kpis": kpi_rows,
        "labels": labels,
        "own": own.with_columns(pl.col("indicator").replace_strict(labels, default=pl.col("indicator"))
                                .alias("indikator_tekst")).select(
            ["kommunekode", "indsats", "period_type", "period", "indicator", "indikator_tekst",
             "numerator", "denominator", "value", "suppressed", "quality"]),
        "national": national,
        "threshold": threshold,
        "fidelity": fidelity_latest,
        "quality": quality.sort("indsats") if quality is not None and "indsats" in quality.columns else quality,
    }


def _time_series(frames: dict[str, Any], indsats: str) -> pl.DataFrame:
    """One row per period in the reporting rhythm: the municipality's chart indicators and the national starts."""
    period_type = frames["latest"][indsats][0]
    own = frames["own"].filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type)
                               & pl.col("indicator").is_in(CHART_INDICATORS))
    if own.height:
        wide = own.pivot(on="indicator", index="period", values="value", aggregate_function="first").sort("period")
    else:
        wide = pl.DataFrame(schema={"period": pl.Utf8})
    for code in CHART_INDICATORS:
        if code not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(code))
    nat = frames["national"].filter((pl.col("indsats") == indsats) & (pl.col("period_type") == period_type)
                                    & (pl.col("indicator") == "starts")).select("period", pl.col("value").alias("nat"))
    wide = wide.join(nat, on="period", how="left")
    return wide.select(
        pl.col("period").alias("Periode"),
        *[pl.col(c).alias(_label(c, frames["labels"])) for c in CHART_INDICATORS],
        pl.col("nat").alias("Hele landet: " + _label("starts", frames["labels"]).lower()),
    )


def export_management_report(settings: Settings, out: Path, kommune: str | None = None) -> dict[str, Any]:
    """Write ledelsesrapport_<kommune>.xlsx (or the given .xlsx path); audit-logged."""
    frames = report_frames(settings, kommune)  # type: ignore[arg-type]
    code, name = frames["kommune"], frames["kommunenavn"]
    target = _report_path(Path(out), code)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = new_workbook(target)
    used: set[str] = set()
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    # Number formats are stored locale-free and shown in the reader's locale: Danish Excel shows
    # "#,##0" as 1.234, "0.0" as 12,5 and "0 %" as 58 %.
    pct = workbook.add_format({"num_format": "0 %"})
    num = workbook.add_format({"num_format": "#,##0"})
    dec = workbook.add_format({"num_format": "#,##0.0"})
    sheets: dict[str, int] = {}
    try:
        # Oversigt -------------------------------------------------------------------------
        ws = workbook.add_worksheet(safe_sheet_name("Oversigt", used))
        ws.write_string(0, 0, f"Ledelsesinformation – {name} Kommune ({code})", title)
        ws.write_string(1, 0, "Seneste periode pr. indsats. Kommunens egne tal vises fuldt ud; "
                              f"tal for hele landet er skjult, når de bygger på færre end "
                              f"{frames['threshold']} forløb.")
        headers = [k for k in (frames["kpis"][0] if frames["kpis"] else {}) if not k.startswith("_")]
        for j, header in enumerate(headers):
            ws.write_string(3, j, header, bold)
            ws.set_column(j, j, 14 if j else 10)
        ws.set_column(2, 2, 55)
        for i, row in enumerate(frames["kpis"], start=4):
            for j, header in enumerate(headers):
                value = row[header]
                fmt = pct if (row["_share"] and header.endswith("værdi") and isinstance(value, float)) else None
                if fmt is None and isinstance(value, float) and not value.is_integer():
                    fmt = dec
                write_cell(ws, i, j, value, {"number": num}, cell_format=fmt)
        if not frames["kpis"]:
            ws.write_string(3, 0, "Der er endnu ingen indikatorer for kommunen.")
        badge_row = 5 + len(frames["kpis"])
        quality = frames["quality"]
        if quality is not None and quality.height:
            ws.write_string(badge_row, 0, "Datakvalitet (badge pr. indsats):", bold)
            for i, row in enumerate(quality.iter_rows(named=True), start=badge_row + 1):
                write_cell(ws, i, 0, row.get("indsats"))
                write_cell(ws, i, 1, row.get("quality_badge"))
                write_cell(ws, i, 2, row.get("score"))
        sheets["Oversigt"] = len(frames["kpis"])

        # Tidsserier + charts, one sheet per intervention ------------------------------------
        for indsats in frames["latest"]:
            series = _time_series(frames, indsats)
            sheet_name = safe_sheet_name(f"Udvikling {indsats}", used)
            ws = workbook.add_worksheet(sheet_name)
            last = write_frame(workbook, ws, series, column_formats={c: num for c in series.columns[1:]})
            ws.set_column(0, series.width - 1, 18)
            if series.height:
                chart = workbook.add_chart({"type": "line"})
                for j in range(1, series.width):
                    chart.add_series({
                        "name": [sheet_name, 0, j],
                        "categories": [sheet_name, 1, 0, last - 1, 0],
                        "values": [sheet_name, 1, j, last - 1, j],
                    })
                chart.set_title({"name": f"{indsats}: forløb pr. "
                                          f"{PERIOD_TYPE_LABELS.get(frames['latest'][indsats][0], 'periode')}"})
                chart.set_y_axis({"name": "Antal"})
                ws.insert_chart(1, series.width + 1, chart, {"x_scale": 1.5, "y_scale": 1.3})
            sheets[sheet_name] = series.height

        # Fidelitet -------------------------------------------------------------------------
        ws = workbook.add_worksheet(safe_sheet_name("Fidelitet", used))
        fidelity = frames["fidelity"]
        if fidelity is not None and fidelity.height:
            write_frame(workbook, ws, fidelity, headers=FIDELITY_HEADERS, column_formats={"adherence": pct})
            guidance_col = list(fidelity.columns).index("guidance") if "guidance" in fidelity.columns else None
            if guidance_col is not None:
                ws.set_column(guidance_col, guidance_col, 90, wrap)
            if "label" in fidelity.columns:
                col = list(fidelity.columns).index("label")
                ws.set_column(col, col, 45, wrap)
            sheets["Fidelitet"] = fidelity.height
        else:
            ws.write_string(0, 0, "Der er endnu ingen fidelitetsopgørelse for kommunen.")
            sheets["Fidelitet"] = 0

        # Datakvalitet ------------------------------------------------------------------------
        ws = workbook.add_worksheet(safe_sheet_name("Datakvalitet", used))
        if quality is not None and quality.height:
            shown = [c for c in QUALITY_HEADERS if c in quality.columns] or quality.columns
            write_frame(workbook, ws, quality.select(shown), headers=QUALITY_HEADERS,
                        column_formats={c: pct for c in shown if c.endswith("_score")})
            sheets["Datakvalitet"] = quality.height
        else:
            ws.write_string(0, 0, "Der er endnu ingen datakvalitetsvurdering for kommunen.")
            sheets["Datakvalitet"] = 0

        # Full tables -----------------------------------------------------------------------
        ws = workbook.add_worksheet(safe_sheet_name("Kommunens indikatorer", used))
        write_frame(workbook, ws, frames["own"], headers=INDICATOR_HEADERS)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, frames["own"].height, frames["own"].width - 1)
        sheets["Kommunens indikatorer"] = frames["own"].height

        national = frames["national"].with_columns(
            pl.col("indicator").replace_strict(frames["labels"], default=pl.col("indicator")).alias("indikator_tekst"))
        national = national.select(frames["own"].columns)
        ws = workbook.add_worksheet(safe_sheet_name("Hele landet", used))
        write_frame(workbook, ws, national, headers=INDICATOR_HEADERS)
        ws.freeze_panes(1, 0)
        sheets["Hele landet"] = national.height

        ws = workbook.add_worksheet(safe_sheet_name("Om rapporten", used))
        ws.set_column(0, 0, 110, wrap)
        notes = [
            "Om rapporten",
            f"Kommune: {name} ({code}). Kilde: den publicerede kopi af datavarehuset (seneste godkendte "
            "forløbsfil pr. indsats).",
            "Kommunens egne tal vises fuldt ud, også små tal. Tal for hele landet (kommunekode 000) er "
            f"diskretioneret: tæller, nævner og værdi er tomme, når et tal under {frames['threshold']} "
            "ellers kunne afsløres.",
            "Rater er andele mellem 0 og 1 (vist som procent i oversigten). En indikator med nævner 0 har ingen værdi.",
            "Fidelitetsarket viser for hver regel, hvor stor en andel af forløbene der opfylder den, og en kort "
            "vejledning om, hvad afvigelser typisk betyder, og hvad kommunen kan gøre.",
            "Datakvalitet: 'god', 'middel' eller 'svag' ud fra rettidighed, dækning, fuldstændighed, gyldighed og "
            "konsistens i de indsendte filer.",
        ]
        for i, text in enumerate(notes):
            ws.write_string(i, 0, text, bold if i == 0 else wrap)
    finally:
        workbook.close()

    import hashlib

    result = {
        "path": str(target),
        "kommune": code,
        "sheets": sheets,
        "interventions": sorted(frames["latest"]),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
    }
    append_audit(settings, "export_management_report", **result)
    return result
