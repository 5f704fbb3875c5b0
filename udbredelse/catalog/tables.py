"""Publish the catalog to the warehouse schema `catalog` so that dbt models join on it."""

from __future__ import annotations

from typing import Any

import polars as pl

from udbredelse.catalog import Catalog

# Explicit schemas so that an empty table (e.g. an intervention without instruments) keeps its types.
TABLE_SCHEMAS: dict[str, dict[str, Any]] = {
    "interventions": {
        "indsats": pl.Utf8, "name": pl.Utf8, "track": pl.Int32, "target_group": pl.Utf8,
        "collects_cpr": pl.Boolean, "reporting_period": pl.Utf8, "deadline_days": pl.Int32,
        "sessions_planned": pl.Int32, "sessions_min": pl.Int32, "sessions_max": pl.Int32,
        "duration_min_days": pl.Int32, "duration_max_days": pl.Int32, "waiting_days_max": pl.Int32,
        "follow_up_days": pl.Int32, "max_caseload": pl.Int32,
    },
    "codes": {"indsats": pl.Utf8, "code_type": pl.Utf8, "code": pl.Utf8, "label": pl.Utf8},
    "phases": {
        "indsats": pl.Utf8, "phase_code": pl.Utf8, "label": pl.Utf8, "phase_order": pl.Int32,
        "from_day": pl.Int32, "to_day": pl.Int32,
    },
    "items": {"indsats": pl.Utf8, "item_code": pl.Utf8, "label": pl.Utf8, "is_required": pl.Boolean},
    "fidelity_rules": {
        "indsats": pl.Utf8, "rule_code": pl.Utf8, "rule_type": pl.Utf8, "label": pl.Utf8, "guidance": pl.Utf8,
        "min_value": pl.Float64, "max_value": pl.Float64, "item_code": pl.Utf8, "instrument_code": pl.Utf8,
        "from_day": pl.Int32, "to_day": pl.Int32,
    },
    "instruments": {
        "indsats": pl.Utf8, "instrument_code": pl.Utf8, "label": pl.Utf8, "version": pl.Utf8,
        "score_min": pl.Float64, "score_max": pl.Float64, "higher_is_better": pl.Boolean,
        "reliable_change": pl.Float64, "measured_at_start": pl.Boolean, "measured_at_end": pl.Boolean,
    },
    "success_criteria": {
        "indsats": pl.Utf8, "indicator": pl.Utf8, "operator": pl.Utf8, "threshold": pl.Float64, "label": pl.Utf8,
    },
    "register_indicators": {"indsats": pl.Utf8, "indicator_code": pl.Utf8, "label": pl.Utf8, "kind": pl.Utf8},
    "milestones": {
        "indsats": pl.Utf8, "milestone_code": pl.Utf8, "factor": pl.Utf8, "phase": pl.Utf8,
        "due_month": pl.Int32, "label": pl.Utf8,
    },
    "milestone_phases": {
        "phase_code": pl.Utf8, "label": pl.Utf8, "phase_order": pl.Int32, "from_month": pl.Int32, "to_month": pl.Int32,
    },
    "municipalities": {"kommunekode": pl.Utf8, "kommunenavn": pl.Utf8, "regionskode": pl.Utf8, "regionsnavn": pl.Utf8,
                       "indbyggere": pl.Int64, "size_group": pl.Utf8, "size_group_label": pl.Utf8},
    "parameters": {"parameter": pl.Utf8, "value": pl.Float64},
}


def catalog_frames(catalog: Catalog, suppression_threshold: int) -> dict[str, pl.DataFrame]:
    """The catalog as one flat DataFrame per table (pure; no database)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_SCHEMAS}
    register_labels = {r["code"]: r for r in catalog.common.get("register_indicators", [])}
    for iv in catalog.interventions.values():
        cm = iv.course_model
        rows["interventions"].append({
            "indsats": iv.code, "name": iv.name, "track": iv.track, "target_group": iv.target_group,
            "collects_cpr": iv.collects_cpr, "reporting_period": iv.reporting.period,
            "deadline_days": iv.reporting.deadline_days, "sessions_planned": cm.sessions.planned,
            "sessions_min": cm.sessions.min, "sessions_max": cm.sessions.max,
            "duration_min_days": cm.duration_days.min, "duration_max_days": cm.duration_days.max,
            "waiting_days_max": cm.waiting_days_max, "follow_up_days": cm.follow_up_days,
            "max_caseload": iv.max_caseload,
        })
        for code_type, own, common_key in (
            ("referral_reason", iv.referral_reasons, "referral_reasons"),
            ("end_reason", iv.end_reasons, "end_reasons"),
            ("status", [], "statuses"),
        ):
            seen = set()
            for code in own:
                seen.add(code.code)
                rows["codes"].append({"indsats": iv.code, "code_type": code_type, "code": code.code, "label": code.label})
            for code in catalog.common.get(common_key, []):
                if code["code"] not in seen:
                    rows["codes"].append({"indsats": iv.code, "code_type": code_type, **code})
        for order, phase in enumerate(cm.phases, start=1):
            rows["phases"].append({"indsats": iv.code, "phase_code": phase.code, "label": phase.label,
                                   "phase_order": order, "from_day": phase.from_day, "to_day": phase.to_day})
        for item in iv.items:
            rows["items"].append({"indsats": iv.code, "item_code": item.code, "label": item.label, "is_required": item.required})
        for rule in iv.fidelity_rules:
            rows["fidelity_rules"].append({
                "indsats": iv.code, "rule_code": rule.code, "rule_type": rule.type, "label": rule.label,
                "guidance": " ".join(rule.guidance.split()), "min_value": rule.min, "max_value": rule.max,
                "item_code": rule.item, "instrument_code": rule.instrument, "from_day": rule.from_day, "to_day": rule.to_day,
            })
        for ins in iv.instruments:
            rows["instruments"].append({
                "indsats": iv.code, "instrument_code": ins.code, "label": ins.label, "version": ins.version,
                "score_min": ins.score_min, "score_max": ins.score_max, "higher_is_better": ins.higher_is_better,
                "reliable_change": ins.reliable_change, "measured_at_start": "start" in ins.points,
                "measured_at_end": "slut" in ins.points,
            })
        for crit in iv.success_criteria:
            rows["success_criteria"].append({"indsats": iv.code, **crit.model_dump()})
        for code in iv.register_indicators:
            meta = register_labels.get(code, {"label": code, "kind": "share"})
            rows["register_indicators"].append({"indsats": iv.code, "indicator_code": code,
                                                "label": meta["label"], "kind": meta.get("kind", "share")})
        for ms in catalog.milestones_for(iv.code):
            rows["milestones"].append({"indsats": iv.code, "milestone_code": ms.code, "factor": ms.factor,
                                       "phase": ms.phase, "due_month": ms.due_month, "label": ms.label})
    for order, phase in enumerate(catalog.milestone_phases, start=1):
        rows["milestone_phases"].append({"phase_code": phase["code"], "label": phase["label"], "phase_order": order,
                                         "from_month": phase["from_month"], "to_month": phase["to_month"]})
    rows["municipalities"] = [
        {**m.model_dump(), "size_group": catalog.size_group(k)["code"], "size_group_label": catalog.size_group(k)["label"]}
        for k, m in catalog.municipalities.items()
    ]
    fidelity = catalog.common.get("fidelity_index", {})
    badges = catalog.common.get("quality_badges", {})
    rows["parameters"] = [
        {"parameter": "suppression_threshold", "value": float(suppression_threshold)},
        {"parameter": "fidelity_green_from", "value": float(fidelity.get("green_from", 0.8))},
        {"parameter": "fidelity_yellow_from", "value": float(fidelity.get("yellow_from", 0.6))},
        {"parameter": "quality_god_from", "value": float(badges.get("god_from", 80))},
        {"parameter": "quality_middel_from", "value": float(badges.get("middel_from", 60))},
        {"parameter": "snapshot_vanishing_share_max", "value": float(catalog.common["snapshot_guard"]["vanishing_share_max"])},
        {"parameter": "snapshot_vanishing_count_max", "value": float(catalog.common["snapshot_guard"]["vanishing_count_max"])},
        {"parameter": "mi_min_courses",
         "value": float(catalog.common.get("management_information", {}).get("min_courses", 10))},
    ]
    return {name: pl.DataFrame(rows[name], schema=schema, orient="row") if rows[name] else pl.DataFrame(schema=schema)
            for name, schema in TABLE_SCHEMAS.items()}


def write_catalog_tables(con: Any, catalog: Catalog, suppression_threshold: int) -> None:
    """Replace the tables of schema `catalog` in an open DuckDB connection, in one transaction."""
    frames = catalog_frames(catalog, suppression_threshold)
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists catalog")
        for name, frame in frames.items():
            arrow = frame.to_arrow()  # noqa: F841 - referenced by name in the SQL below
            con.execute(f"create or replace table catalog.{name} as select * from arrow")  # noqa: S608 - names are constants
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
