"""A small published warehouse whose marts have the columns of their dbt contracts, so the dashboard can be
tested alone. marts.indicator_definitions is the real dbt model, built once per test session."""

from __future__ import annotations

import functools
import tempfile
from datetime import date, datetime
from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from udbredelse import warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.settings import Settings, get_settings

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"

OWN, OTHER = "101", "147"
# Figures that exist only in the other municipality's rows: they must never reach an 'own' viewer.
OTHER_SECRET_COURSE = "FRB-HEMMELIG-7"
OTHER_ACTIVE_END = 4321
MONTHS = ["2026-01", "2026-02", "2026-03"]
COUNT_CODES = {"referrals", "starts", "active_end", "ended_completed", "ended_interrupted", "overdue_active"}
SECONDARY_NATIONAL_COMPLETED = 10  # national ended_completed per month: ≥ 5, hidden as a complement ("skjult")

MARTS = Path(__file__).resolve().parents[2] / "dbt" / "models" / "marts"


def contract_columns(model: str) -> list[tuple[str, str]]:
    """(column, data_type) of a mart's enforced dbt contract, in order."""
    for path in MARTS.rglob("*.yml"):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            if entry["name"] == model:
                assert entry["config"]["contract"]["enforced"], model
                return [(c["name"], c["data_type"]) for c in entry["columns"]]
    raise KeyError(model)


def create_mart(con, model: str) -> None:  # noqa: ANN001 - duckdb connection
    columns = ", ".join(f'"{name}" {data_type}' for name, data_type in contract_columns(model))
    con.execute(f"create table marts.{model} ({columns})")


def insert(con, model: str, columns: str, rows: list[tuple]) -> None:  # noqa: ANN001 - duckdb connection
    marks = ", ".join("?" for _ in columns.split(","))
    con.executemany(f"insert into marts.{model} ({columns}) values ({marks})", rows)  # noqa: S608 - test constants


@functools.cache
def _definitions_warehouse() -> Path:
    """A warehouse with only marts.indicator_definitions, built by the real dbt model (once per session)."""
    from udbredelse.transform import run_dbt_build

    settings = get_settings(home=Path(tempfile.mkdtemp(prefix="udbredelse-definitions-")))
    settings.ensure_dirs()
    run_dbt_build(settings, select="indicator_definitions")
    return settings.warehouse_path


def _indicator_rows() -> list[tuple]:
    rows: list[tuple] = []

    def add(k, i, pt, p, code, num, den, value, suppressed=False, quality="god"):
        # the build's reason (marts.indicators.suppression): a count 1..4 is 'primary', anything else hidden
        # (a rate on hidden counts, a cell hidden to protect another) 'secondary'
        count = code in COUNT_CODES
        reason = None if not suppressed else ("primary" if count and 1 <= value < 5 else "secondary")
        rows.append((k, i, pt, p, code, num, den, value, True, suppressed, reason, quality))  # True: public

    per_kommune = {
        OWN: {"referrals": 14, "starts": 11, "active_end": 37, "ended_completed": 8, "ended_interrupted": 2,
              "overdue_active": 1, "waiting_days_median": 9, "duration_days_median": 120},
        OTHER: {"referrals": 4, "starts": 3, "active_end": OTHER_ACTIVE_END, "ended_completed": 2,
                "ended_interrupted": 1, "overdue_active": 0, "waiting_days_median": 23, "duration_days_median": 77},
    }
    for indsats in ("MOVE", "CTI"):
        for n, month in enumerate(MONTHS, start=1):
            totals: dict[str, float] = {}
            for kommune, figures in per_kommune.items():
                for code, value in figures.items():
                    value = value + n if code == "active_end" and kommune == OWN else value
                    small = code not in ("waiting_days_median", "duration_days_median") and value < 5
                    add(kommune, indsats, "month", month, code, value, None, value, small)
                    totals[code] = totals.get(code, 0) + value
                done, broken = figures["ended_completed"], figures["ended_interrupted"]
                add(kommune, indsats, "month", month, "completion_rate", done, done + broken, done / (done + broken),
                    kommune == OTHER)
                target = 120 if kommune == OWN else 40
                add(kommune, indsats, "month", month, "target_attainment_ytd", figures["starts"] * n, target,
                    figures["starts"] * n / target, kommune == OTHER)
                add(kommune, indsats, "month", month, "fidelity_dosage", 6, 8, 0.75, kommune == OTHER)
                if indsats == "CTI":  # MOVE takes its index from the rule summary's composite row instead
                    add(kommune, indsats, "month", month, "fidelity_index", 9 * n, 10 * n, 0.9, kommune == OTHER)
            for code, value in totals.items():
                # ended_completed (10) hidden as a complement: with ended_total it would give ended_interrupted away
                add("000", indsats, "month", month, code, value, None, value,
                    code in ("ended_interrupted", "ended_completed"))
            add("000", indsats, "month", month, "completion_rate", 10, 13, 10 / 13)
            add("000", indsats, "month", month, "target_attainment_ytd", 14 * n, 160, 14 * n / 160)
        for kommune, figures in per_kommune.items():
            for code in ("referrals", "starts", "ended_completed", "ended_interrupted"):
                value = figures[code] * 3
                add(kommune, indsats, "year", "2026", code, value, None, value, value < 5)
        for code in ("referrals", "starts", "ended_completed", "ended_interrupted"):
            value = sum(f[code] for f in per_kommune.values()) * 3
            add("000", indsats, "year", "2026", code, value, None, value)
    return rows


def build_test_warehouse(settings: Settings) -> None:
    """Create the raw schema, the real catalog tables and small marts; then publish."""
    settings.ensure_dirs()
    con = warehouse.connect(settings)
    try:
        write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        con.execute("create schema if not exists marts")
        con.execute(f"attach '{_definitions_warehouse()}' as definitions (read_only)")
        con.execute("create table marts.indicator_definitions as select * from definitions.marts.indicator_definitions")
        con.execute("detach definitions")
        for model in ("indicators", "course_attention", "fidelity_rule_summary", "dq_scorecard", "dq_feedback",
                      "implementation_milestones", "period_coverage"):
            create_mart(con, model)
        insert(con, "indicators", "kommunekode, indsats, period_type, period, indicator, numerator, denominator, "
               "value, public, suppressed, suppression, quality", _indicator_rows())
        # every period delivered by both municipalities (tests of provisional periods change a row)
        insert(con, "period_coverage", "indsats, period_type, period, kommuner_reporting, kommuner_delivered, "
               "deadline, as_of_date, provisional", [
                   (indsats, period_type, period, 2, 2, date(2026, 4, 15), date(2026, 4, 3), False)
                   for indsats in ("MOVE", "CTI")
                   for period_type, period in [*(("month", m) for m in MONTHS), ("quarter", "2026-Q1"),
                                               ("year", "2026")]])
        insert(con, "course_attention", "kommunekode, indsats, forloeb_id, issue_code, issue_label, details", [
            (OWN, "MOVE", "KBH-0001", "overdue", "Aktivt forløb over maksimal varighed", "Startet 2025-01-02"),
            (OWN, "MOVE", "KBH-0002", "missing_end_reason", "Afbrudt uden afslutningsårsag", "=HYPERLINK(\"x\")"),
            (OTHER, "MOVE", OTHER_SECRET_COURSE, "overdue", "Aktivt forløb over maksimal varighed", "Startet 2024"),
        ])
        fidelity = []
        for kommune, checked in ((OWN, 20), (OTHER, 3), ("000", 23)):
            few = checked < 5  # as the policy marks these rates in marts.indicators (3 checks: hidden, 'secondary')
            mark = "secondary" if few else None
            for month in MONTHS:
                half = checked // 2
                fidelity.append((kommune, "MOVE", "month", month, "dosage", "dosage", "Dosis: 10–14 samtaler",
                                 "Tjek registreringen af samtaler.", checked, half, half / checked, "rød", few, mark))
                fidelity.append((kommune, "MOVE", "month", month, "duration", "duration", "Varighed: 30–270 dage",
                                 "Planlæg afslutning.", checked, checked, 1.0, "grøn", few, mark))
                fidelity.append((kommune, "MOVE", "month", month, "indeks", "indeks", "Samlet troskabsindeks",
                                 "Se de enkelte regler.", 2 * checked, half + checked, (half + checked) / (2 * checked),
                                 "gul", few, mark))
        insert(con, "fidelity_rule_summary", "kommunekode, indsats, period_type, period, rule_code, rule_type, label, "
               "guidance, checked, passed, adherence, light, suppressed, suppression", fidelity)
        insert(con, "dq_scorecard", "kommunekode, kommunenavn, indsats, score, quality_badge, timeliness_score, "
               "coverage_score, completeness_score, validity_score, consistency_score, outlier_score, periods_late, "
               "periods_missing, rows_rejected, courses_with_issues", [
            (OWN, "København", "MOVE", 86, "god", 0.9, 1.0, 0.8, 0.95, 0.7, 1.0, 1, 0, 2, 3),
            (OTHER, "Frederiksberg", "MOVE", 58, "svag", 0.5, 0.6, 0.6, 0.7, 0.5, 0.5, 3, 1, 9, 7),
        ])
        insert(con, "dq_feedback", "kommunekode, indsats, check_code, detail_key, severity, area, sort_order, "
               "message, found_in, fix_hint", [
            (OWN, "MOVE", "missing_field", "henvisningsdato", "warning", "Komplethed", 2,
             "henvisningsdato mangler i 3 forløb", "Forløbsfil 2026-03-31", "Udfyld henvisningsdato"),
            (OWN, "MOVE", "late_period", "2026-02", "error", "Rettidighed", 1,
             "Februar kom 4 dage for sent", "Periode 2026-02", "Send senest 15 dage efter periodens slut"),
            (OTHER, "MOVE", "late_period", "2026-02", "error", "Rettidighed", 1,
             "Frederiksberg-fil 3 dage for sent", "Periode 2026-02", "Send til tiden"),
            (OWN, "MOVE", "incomplete_field", "henvisningsdato", "warning", "Fuldstændighed", 4,
             "Henvisningsdato mangler i 2 af 20 forløb (90 % udfyldt).", "Forløb, fx: KBH-0001, KBH-0002",
             "Udfyld feltet i fagsystemet"),
            (OTHER, "MOVE", "inconsistent_overlapping_person", "", "warning", "Konsistens", 5,
             "Samme borger i overlappende forløb: 2 forløb.",
             f"Forløb: {OTHER_SECRET_COURSE} (samme borger som forløb FRB-0002), "
             f"FRB-0002 (samme borger som forløb {OTHER_SECRET_COURSE})", "Ret forløbene i fagsystemet"),
        ])
        con.execute("""
            insert into marts.implementation_milestones by name
            select k.kommunekode, m.indsats, m.milestone_code, m.factor, m.phase, p.label as phase_label,
                   p.phase_order, m.label, m.due_month,
                   case when m.due_month <= 4 then 'opfyldt' else 'ikke_startet' end as status,
                   case when m.due_month <= 4 then date '2026-02-01' end as status_date,
                   date '2025-10-01' as support_start_date, date '2025-10-01' + to_months(m.due_month) as due_date,
                   date '2026-03-31' as as_of_date, m.due_month <= 4 as is_done,
                   m.due_month > 4 and m.due_month <= 6 as is_overdue
            from catalog.milestones m
            cross join (values ('101'), ('147')) k(kommunekode)
            left join catalog.milestone_phases p on m.phase = p.phase_code
            where m.indsats = 'MOVE'""")
        con.executemany(
            "insert into raw.files (file_id, original_name, source, kommunekode, indsats, file_type, reporting_date,"
            " rows_read, rows_accepted, rows_rejected, warnings, status, received_at) values"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ("a" * 64, "101_MOVE_forloeb_2026-03-31.csv", "inbox", OWN, "MOVE", "courses", date(2026, 3, 31),
                 40, 39, 1, 2, "partial", datetime(2026, 4, 2, 8, 0)),
                ("b" * 64, "147_MOVE_forloeb_2026-03-31.csv", "inbox", OTHER, "MOVE", "courses", date(2026, 3, 31),
                 10, 10, 0, 0, "accepted", datetime(2026, 4, 3, 8, 0)),
            ],
        )
    finally:
        con.close()
    warehouse.publish(settings)


# ---- AppTest helpers ----------------------------------------------------------------------

def login(role: str, kommune: str | None = None) -> AppTest:
    """Log in through the demo login's own widgets."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert any("DEMO-login" in w.value for w in at.warning)
    at.selectbox(key="login_role").set_value(role).run()
    if kommune:
        at.selectbox(key="login_kommune").set_value(kommune).run()
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    # The banner is in the router, above every page. (AppTest re-sends only changed elements after a
    # page switch, so it is checked here, on the first page; the browser test sees it on Overblik.)
    assert any("DEMO-login" in w.value for w in at.warning)
    return at


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def rendered_text(at: AppTest) -> str:
    """Everything a user could read on the page: markdown, metrics, tables, captions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    parts += [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.success]
    return "\n".join(str(p) for p in parts)


def table_with(at: AppTest, column: str):
    """The first table on the page that has `column` (st.dataframe keys are not exposed by AppTest)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")
