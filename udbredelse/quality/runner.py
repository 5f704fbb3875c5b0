"""Run the GX suites on DataFrames read from the warehouse marts, persist the results, render Data Docs.

Called by `pipeline.build` while it holds the writer lock, so this module never takes the lock:
it only connects. GX has no DuckDB source, so every mart (and every check frame computed from the
marts) is handed to an ephemeral GX context as a pandas dataframe asset with a whole-dataframe
batch definition; the validation results go to GX's own Data Docs site builder with a filesystem
store under `$UDBREDELSE_HOME/quality/data_docs`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from udbredelse import warehouse
from udbredelse.quality.store import ensure_quality_schema, insert_rows, table_exists
from udbredelse.settings import Settings

log = logging.getLogger(__name__)

MART_SCHEMA = "marts"
# Marts the suites check; a missing one fails the run as critical (a fresh setup, or a build that did
# not finish, must not look green).
SUITE_MARTS = ("indicators", "dq_scorecard", "dq_timeliness", "fidelity_rule_summary", "course_attention")
DOCS_SITE = "udbredelse"


class QualityCheckFailed(RuntimeError):
    """A critical expectation failed (message in Danish and English, no data values)."""


def data_docs_dir(settings: Settings) -> Path:
    return settings.quality_dir / "data_docs"


def data_docs_index(settings: Settings) -> Path:
    return data_docs_dir(settings) / "index.html"


# ---- reading the warehouse ------------------------------------------------------------------------
def _read_marts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    marts: dict[str, pd.DataFrame] = {}
    for name in SUITE_MARTS:
        if table_exists(con, MART_SCHEMA, name):
            marts[name] = con.execute(f'select * from {MART_SCHEMA}."{name}"').df()  # noqa: S608 - constant names
    return marts


def _cpr_candidates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Distinct text values in every mart that contain a run of ten digits (GX applies the CPR pattern)."""
    from validation.quality.suites import CPR_PREFILTER_SQL_PATTERN

    columns = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and data_type = 'VARCHAR' order by table_name, column_name",
        [MART_SCHEMA],
    ).fetchall()
    frames = [pd.DataFrame({"relation": pd.Series(dtype=str), "column_name": pd.Series(dtype=str),
                            "value": pd.Series(dtype=str)})]
    for table, column in columns:
        ident_table = table.replace('"', '""')
        ident_column = column.replace('"', '""')
        # identifiers come from information_schema and are quoted; the pattern is a bound parameter
        sql = (f'select distinct "{ident_column}" as value from {MART_SCHEMA}."{ident_table}" '  # noqa: S608
               f'where regexp_matches("{ident_column}", ?)')
        values = con.execute(sql, [CPR_PREFILTER_SQL_PATTERN]).df()
        if not values.empty:
            frames.append(values.assign(relation=f"{MART_SCHEMA}.{table}", column_name=column))
    return pd.concat(frames, ignore_index=True)[["relation", "column_name", "value"]]


def _delivered_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not table_exists(con, "raw", "files"):
        return pd.DataFrame({"kommunekode": pd.Series(dtype=str), "indsats": pd.Series(dtype=str)})
    return con.execute(
        "select distinct kommunekode, indsats from raw.files "
        "where kommunekode is not null and indsats is not null and file_type <> 'registry'"
    ).df()


def _previous_profile(con: duckdb.DuckDBPyConnection) -> tuple[str | None, pd.DataFrame | None]:
    row = con.execute(
        "select r.run_id from quality.runs r "
        "where not r.critical_failed "  # a run that stopped the build is no baseline
        "and exists (select 1 from quality.indicator_profiles p where p.run_id = r.run_id) "
        "order by r.started_at desc limit 1"
    ).fetchone()
    if row is None:
        return None, None
    profile = con.execute(
        "select indicator, period_type, row_count, numerator_sum, value_mean "
        "from quality.indicator_profiles where run_id = ?",
        [row[0]],
    ).df()
    return row[0], profile


# ---- GX -----------------------------------------------------------------------------------------------
def _gx_context(docs_dir: Path | None) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        } if docs_dir is not None else {},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate_suite_runs(suite_runs: list[Any], run_id: str = "adhoc", run_time: dt.datetime | None = None,
                        docs_dir: Path | None = None) -> list[dict[str, Any]]:
    """Validate every suite on its frame in an ephemeral GX context; render Data Docs to docs_dir (if
    given, replacing what was there); return one {"run", "result"} dict per suite."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    run_time = run_time or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if docs_dir is not None:
        if docs_dir.exists():
            shutil.rmtree(docs_dir)
        docs_dir.mkdir(parents=True, exist_ok=True)
    context = _gx_context(docs_dir)
    datasource = context.data_sources.add_pandas("udbredelse_marts")
    gx_run_id = RunIdentifier(run_name=run_id, run_time=run_time)
    outcomes: list[dict[str, Any]] = []
    for suite_run in suite_runs:
        asset = datasource.add_dataframe_asset(name=suite_run.name)
        batch_definition = asset.add_batch_definition_whole_dataframe(f"{suite_run.name}_whole")
        suite = context.suites.add(suite_run.suite)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_run.name, data=batch_definition, suite=suite))
        result = definition.run(
            batch_parameters={"dataframe": suite_run.frame},
            result_format={"result_format": suite_run.result_format},
            run_id=gx_run_id,
        )
        outcomes.append({"run": suite_run, "result": result})
    if docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])
    return outcomes


def _expectation_rows(run_id: str, outcome: dict[str, Any]) -> list[dict[str, Any]]:
    suite_run = outcome["run"]
    rows = []
    for item in outcome["result"].results:
        config = item.expectation_config
        kwargs = config.kwargs or {}
        meta = config.meta or {}
        result = item.result or {}
        column = kwargs.get("column") or ", ".join(
            kwargs.get("column_list") or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c])
        observed = result.get("observed_value")
        rows.append({
            "run_id": run_id,
            "suite_name": suite_run.name,
            "source": suite_run.source,
            "expectation_type": config.type,
            "column_name": column or None,
            "severity": meta.get("severity", "warning"),
            "description": meta.get("beskrivelse"),
            "success": bool(item.success),
            "element_count": result.get("element_count"),
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_percent": result.get("unexpected_percent"),
            # never store values from the CPR scan (BOOLEAN_ONLY gives none anyway)
            "observed_value": None if suite_run.result_format == "BOOLEAN_ONLY" or observed is None
            else str(observed)[:500],
        })
    return rows


def _failure_text(row: dict[str, Any]) -> str:
    where = f" ({row['column_name']})" if row["column_name"] else ""
    n = row.get("unexpected_count")
    count = f", {n} afvigende {'række' if n == 1 else 'rækker'}" if n else ""
    return f"{row['suite_name']}: {row['expectation_type']}{where}{count} – {row['description']}"


def _badge_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if not table_exists(con, MART_SCHEMA, "dq_scorecard"):
        return {}
    return dict(con.execute(
        f"select quality_badge, count(*) from {MART_SCHEMA}.dq_scorecard group by quality_badge"  # noqa: S608 - constant
    ).fetchall())


# ---- the service function ---------------------------------------------------------------------------
def run_quality(settings: Settings) -> dict[str, Any]:
    """Run the GX suites on the marts, persist the run, render Data Docs, refresh reminders and reports.

    Raises QualityCheckFailed (a RuntimeError) when a critical expectation fails, after persisting the
    run and rendering the Data Docs, so `udbredelse build` stops with the reason.
    """
    from udbredelse.quality.feedback import queue_reminders, write_feedback_reports
    from validation.quality.suites import build_suite_runs, cpr_findings, indicator_profile

    settings.ensure_dirs()
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    docs_dir = data_docs_dir(settings)

    con = warehouse.connect(settings)
    try:
        ensure_quality_schema(con)
        marts = _read_marts(con)
        cpr_candidates = _cpr_candidates(con)
        previous_run_id, previous_profile = _previous_profile(con)
        suite_runs = build_suite_runs(marts, cpr_candidates, _delivered_pairs(con), previous_profile)
        outcomes = validate_suite_runs(suite_runs, run_id, started_at, docs_dir)

        rows = [row for outcome in outcomes for row in _expectation_rows(run_id, outcome)]
        failed_critical = [r for r in rows if not r["success"] and r["severity"] == "critical"]
        failed_warning = [r for r in rows if not r["success"] and r["severity"] != "critical"]
        missing = [m for m in SUITE_MARTS if m not in marts]
        badges = _badge_counts(con)
        summary = (
            f"Datakvalitet: {len(suite_runs)} suiter, {len(rows)} forventninger; "
            f"{len(failed_critical)} kritiske og {len(failed_warning)} advarsler fejlede"
            + (f"; scorekort: {badges.get('god', 0)} god, {badges.get('middel', 0)} middel, "
               f"{badges.get('svag', 0)} svag" if badges else "")
            + (f"; mangler {', '.join('marts.' + m for m in missing)}" if missing else "")
            + "."
        )
        insert_rows(con, "expectation_results", rows)
        if "indicators" in marts:
            profile = indicator_profile(marts["indicators"]).assign(run_id=run_id)
            insert_rows(con, "indicator_profiles", profile[["run_id", "indicator", "period_type", "row_count",
                                                            "numerator_sum", "value_mean"]].to_dict("records"))
        insert_rows(con, "runs", [{
            "run_id": run_id, "started_at": started_at,
            "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "success": not (failed_critical or failed_warning or missing),
            "critical_failed": bool(failed_critical or missing),
            "suites": len(suite_runs), "expectations": len(rows), "failed_critical": len(failed_critical),
            "failed_warning": len(failed_warning), "previous_run_id": previous_run_id, "summary": summary,
            "data_docs_path": str(data_docs_index(settings)),
        }])
        reminders = queue_reminders(con, settings)
    finally:
        con.close()

    reports = write_feedback_reports(settings)
    for row in failed_warning:
        log.warning("Datakvalitetsadvarsel: %s", _failure_text(row))

    suites = []
    for outcome in outcomes:
        suite_run = outcome["run"]
        suite_rows = [r for r in rows if r["suite_name"] == suite_run.name]
        suites.append({
            "name": suite_run.name, "source": suite_run.source, "success": bool(outcome["result"].success),
            "expectations": len(suite_rows),
            "failed_critical": sum(1 for r in suite_rows if not r["success"] and r["severity"] == "critical"),
            "failed_warning": sum(1 for r in suite_rows if not r["success"] and r["severity"] != "critical"),
            "failed": [_failure_text(r) for r in suite_rows if not r["success"]],
        })
    result = {
        "summary": summary,
        "critical_failed": bool(failed_critical or missing),
        "missing_marts": missing,
        "suites": suites,
        "run_id": run_id,
        "previous_run_id": previous_run_id,
        "data_docs": str(data_docs_index(settings)),
        "reminders_queued": reminders,
        "feedback_reports": len(reports),
    }
    if failed_critical or missing:
        lines = [_failure_text(r) for r in failed_critical]
        if missing:
            lines.append(f"mangler {', '.join(MART_SCHEMA + '.' + m for m in missing)} (kør udbredelse_transform "
                         "eller `udbredelse build`)")
        findings = cpr_findings(cpr_candidates)
        if not findings.empty:
            lines.append("CPR-lignende tekst i: " + ", ".join(
                f"{r.relation}.{r.column_name} ({r.matches})" for r in findings.itertuples()))
        raise QualityCheckFailed(
            "Kritisk datakvalitetstjek fejlede / Critical data-quality check failed: "
            + "; ".join(lines)
            + f". Se Data Docs / see Data Docs: {data_docs_index(settings)}"
        )
    return result
