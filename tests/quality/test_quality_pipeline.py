"""The quality step on a real dbt build of a small, known warehouse (tests/quality/dq_builders.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dq_builders import build_raw_warehouse

from udbredelse import pipeline, warehouse
from udbredelse.quality import (
    QualityCheckFailed,
    data_docs_index,
    mark_reminders_sent,
    pending_reminders,
    queue_overdue_reminders,
    run_quality,
    write_feedback_reports,
)
from udbredelse.settings import Settings, get_settings

FICTITIOUS_CPR = "610190-1234"  # day 61: can never be a real person


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict]]:
    settings = get_settings(home=tmp_path_factory.mktemp("dq") / "home", mode="demo")
    build_raw_warehouse(settings)
    summary = pipeline.build(settings)  # catalog tables, dbt build, run_quality, publish
    yield settings, summary


def _query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = warehouse.connect(settings)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_build_runs_the_suites_and_renders_data_docs(built: tuple[Settings, dict]) -> None:
    settings, summary = built
    quality = summary["quality"]
    assert quality["critical_failed"] is False
    assert quality["summary"].startswith("Datakvalitet:")
    names = {s["name"] for s in quality["suites"]}
    assert {"indicators", "indicators_period_sums", "no_clear_cpr", "dq_scorecard"} <= names
    index = data_docs_index(settings)
    assert index == settings.home_path / "quality" / "data_docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "indicators_period_sums" in html and "no_clear_cpr" in html
    runs = _query(settings, "select run_id, critical_failed, expectations from quality.runs")
    assert [(r[0], r[1]) for r in runs] == [(quality["run_id"], False)]
    stored = _query(settings, "select count(*), count(*) filter (where severity = 'critical') "
                              "from quality.expectation_results where run_id = ?", [quality["run_id"]])[0]
    assert stored[0] == runs[0][2] and stored[1] > 0


def test_scorecard_has_a_row_for_every_kommune_and_indsats(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    delivered = set(_query(settings, "select distinct kommunekode, indsats from raw.files"))
    cards = _query(settings, "select kommunekode, indsats, score, quality_badge from marts.dq_scorecard")
    assert {(k, i) for k, i, _, _ in cards} == delivered == {("101", "MOVE"), ("147", "CTI"), ("751", "MOVE")}
    by_pair = {(k, i): (score, badge) for k, i, score, badge in cards}
    assert by_pair[("147", "CTI")] == (100, "god")  # every period on time, nothing missing or wrong
    assert by_pair[("751", "MOVE")][1] == "svag"  # only a rejected file
    assert by_pair[("101", "MOVE")][0] < 100
    # the indicator mart takes its quality badge from the scorecard
    badges = set(_query(settings, "select distinct quality from marts.indicators "
                                  "where kommunekode = '147' and indsats = 'CTI'"))
    assert badges == {("god",)}


def test_a_late_file_is_marked_late_and_a_missing_period_missing(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    rows = _query(settings, "select period, due_date, is_late, days_late, delivery_status from marts.dq_timeliness "
                            "where kommunekode = '101' and indsats = 'MOVE' order by period")
    by_period = {r[0]: r for r in rows}
    assert sorted(by_period) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # March: period end 31-03 + 15 days = 15-04; received 25-04
    assert str(by_period["2026-03"][1]) == "2026-04-15"
    assert by_period["2026-03"][2:] == (True, 10, "late")
    assert by_period["2026-05"][2:] == (False, 20, "missing")  # as of 05-07: 20 days past 15-06
    assert all(by_period[p][4] == "on_time" for p in ("2026-01", "2026-02", "2026-04", "2026-06"))
    card = _query(settings, "select periods_expected, periods_late, periods_missing, timeliness_score, "
                            "coverage_score from marts.dq_scorecard where kommunekode = '101'")[0]
    assert card == (6, 1, 1, pytest.approx(4 / 6), pytest.approx(5 / 6))


def test_consistency_and_completeness_find_the_planted_problems(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    issues = set(_query(settings, "select forloeb_id, issue_code from marts.dq_consistency where is_current"))
    assert issues == {("C5", "end_before_start"), ("C3", "vanished"), ("C1", "overlapping_person"),
                      ("C2", "overlapping_person")}
    missing = dict(_query(settings, "select field_code, example_forloeb_ids from marts.dq_completeness "
                                    "where kommunekode = '101' and missing_rows > 0"))
    assert missing == {"henvisningsdato": "C6", "item:ungmap_screening": "C4"}
    # starts per month 2026-01..06 = 4, 1, 1, 1, 1, 13: June is 2.2 SD above the mean (DHIS2: moderate)
    outliers = _query(settings, "select period, start_count, outlier_level, round(z_score, 2) from marts.dq_outliers "
                                "where kommunekode = '101' and outlier_level <> 'none'")
    assert outliers == [("2026-06", 13, "moderate", 2.17)]


def test_feedback_report_in_danish_says_what_to_fix_and_where(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    paths = write_feedback_reports(settings)
    assert sorted(p.name for p in paths) == ["101.md", "147.md", "751.md"]
    text = (settings.quality_dir / "feedback" / "101.md").read_text(encoding="utf-8")
    assert "# Datakvalitet – København (101)" in text
    assert "2026-05 (frist 15-06-2026)" in text  # the missing period
    assert "Slutdato ligger før startdato" in text and "Forløb: C5" in text
    assert "Henvisningsdato mangler i 1 af" in text and "C6" in text
    assert "Ingen bemærkninger" in (settings.quality_dir / "feedback" / "147.md").read_text(encoding="utf-8")


def test_reminders_for_overdue_files_go_through_the_outbox(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    status = queue_overdue_reminders(settings)
    assert status["missing_periods"] == 1 and status["late_periods"] == 1
    pending = pending_reminders(settings)
    assert [r["reminder_id"] for r in pending] == ["101|MOVE|2026-05"]
    reminder = pending[0]
    assert reminder["to"].endswith("@example.invalid")  # demo placeholder; kontakter.csv sets real ones
    assert "2026-05" in reminder["subject"] and "15-06-2026" in reminder["message"]
    assert reminder["days_late"] == 20 and reminder["body"].startswith("<p>")
    assert mark_reminders_sent(settings, [reminder["reminder_id"]]) == 1
    assert pending_reminders(settings) == []
    assert queue_overdue_reminders(settings)["reminders_queued"] == 0  # not queued twice
    sent = _query(settings, "select sent_at is not null from quality.reminder_outbox")
    assert sent == [(True,)]


def _break_and_check(settings: Settings, breaking_sql: str, restoring_sql: str) -> QualityCheckFailed:
    con = warehouse.connect(settings)
    con.execute(breaking_sql)
    con.close()
    try:
        with pytest.raises(QualityCheckFailed) as info:
            run_quality(settings)
    finally:
        con = warehouse.connect(settings)
        con.execute(restoring_sql)
        con.close()
    last = _query(settings, "select critical_failed from quality.runs order by started_at desc limit 1")
    assert last == [(True,)]
    return info.value


def test_duplicate_key_and_rate_above_one_fail_the_critical_suite(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    error = _break_and_check(
        settings,
        "insert into marts.indicators select * from marts.indicators where indicator = 'starts' limit 1; "
        "update marts.indicators set value = 1.5 where indicator = 'completion_rate' and kommunekode = '101' "
        "and period = '2026'",
        "create or replace table marts.indicators as select distinct * from marts.indicators; "
        "update marts.indicators set value = numerator / nullif(denominator, 0) "
        "where indicator = 'completion_rate' and kommunekode = '101' and period = '2026'",
    )
    message = str(error)
    assert isinstance(error, RuntimeError)
    assert message.startswith("Kritisk datakvalitetstjek fejlede / Critical data-quality check failed")
    assert "expect_compound_columns_to_be_unique (kommunekode, indsats, period_type, period, indicator)" in message
    assert "expect_column_values_to_be_between (value), 1 afvigende række" in message
    assert "udbredelse build" not in message and str(data_docs_index(settings)) in message


def test_cpr_shaped_string_fails_without_revealing_it(built: tuple[Settings, dict]) -> None:
    settings, _ = built
    error = _break_and_check(
        settings,
        "update marts.dq_feedback set found_in = 'Forløb: 610190-1234' where kommunekode = '101' "
        "and check_code = 'inconsistent_end_before_start'",
        "update marts.dq_feedback set found_in = 'Forløb: C5' where kommunekode = '101' "
        "and check_code = 'inconsistent_end_before_start'",
    )
    message = str(error)
    assert "expect_column_values_to_not_match_regex" in message and "marts.dq_feedback.found_in (1)" in message
    assert FICTITIOUS_CPR not in message and FICTITIOUS_CPR.replace("-", "") not in message
    stored = _query(settings, "select count(*) from quality.expectation_results where observed_value like ?",
                    ["%610190%"])
    assert stored == [(0,)]
    for page in data_docs_index(settings).parent.rglob("*.html"):
        assert "610190" not in page.read_text(encoding="utf-8"), page


def test_drift_is_measured_against_the_previous_run(built: tuple[Settings, dict],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = built

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("run_quality must not take the writer lock (pipeline.build holds it)")

    monkeypatch.setattr(warehouse, "writer_lock", refuse)
    previous = run_quality(settings)
    con = warehouse.connect(settings)
    con.execute("update marts.indicators set value = value * 3 where indicator = 'active_end'")
    con.close()
    try:
        drifted = run_quality(settings)
    finally:
        con = warehouse.connect(settings)
        con.execute("update marts.indicators set value = value / 3 where indicator = 'active_end'")
        con.close()
    assert drifted["previous_run_id"] == previous["run_id"]
    drift = next(s for s in drifted["suites"] if s["name"] == "indicators_drift")
    assert drift["failed_warning"] >= 1 and drift["failed_critical"] == 0
    assert drifted["critical_failed"] is False  # drift warns, it does not stop the build
    assert next(s for s in previous["suites"] if s["name"] == "indicators_drift")["success"]


def test_build_fails_when_a_cpr_reaches_a_mart(built: tuple[Settings, dict]) -> None:
    """End to end: a CPR typed into the course id reaches the marts; `udbredelse build` must stop."""
    settings, _ = built
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("update raw.courses set forloeb_id = ? where forloeb_id = 'C5'", [FICTITIOUS_CPR])
    con.close()
    with pytest.raises(RuntimeError) as info:
        pipeline.build(settings)
    assert "no_clear_cpr" in str(info.value) and FICTITIOUS_CPR not in str(info.value)
    assert re.search(r"marts\.\w+\.forloeb_id", str(info.value))
    assert Path(data_docs_index(settings)).exists()
