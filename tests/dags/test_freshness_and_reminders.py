"""What the unattended DAGs decide on: a reminder repeated after the catalog's interval until the file
arrives, the published copy fresh for a run's date, overdue deliveries, and the DAG tasks that turn
those into red runs with Danish messages."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from udbredelse import pipeline, unattended, warehouse
from udbredelse.quality.feedback import mark_reminders_sent, pending_reminders, queue_reminders
from udbredelse.settings import Settings

DAGS = Path(__file__).resolve().parents[2] / "dags"
DUE = dt.date(2026, 10, 15)


def _timeliness(settings: Settings, missing: list[tuple[str, str, str, int]]) -> None:
    """A warehouse with marts.dq_timeliness (the missing periods given) and the catalog names."""
    con = warehouse.connect(settings)
    try:
        con.execute("create schema if not exists marts; create schema if not exists catalog")
        con.execute("create or replace table catalog.municipalities as select '101' as kommunekode, "
                    "'København' as kommunenavn")
        con.execute("create or replace table catalog.interventions as select 'MOVE' as indsats, 'MOVE' as name")
        con.execute("create or replace table marts.dq_timeliness (kommunekode varchar, indsats varchar, "
                    "period varchar, due_date date, days_late integer, delivery_status varchar)")
        for kommune, indsats, period, days in missing:
            con.execute("insert into marts.dq_timeliness values (?, ?, ?, ?, ?, 'missing')",
                        [kommune, indsats, period, DUE, days])
    finally:
        con.close()


def _queue(settings: Settings, now: dt.datetime) -> int:
    con = warehouse.connect(settings)
    try:
        return queue_reminders(con, settings, now=now, repeat_days=14)
    finally:
        con.close()


def test_a_reminder_is_repeated_after_the_interval_until_the_file_arrives(settings: Settings) -> None:
    _timeliness(settings, [("101", "MOVE", "2026-09", 10)])
    first = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # mark_reminders_sent stamps the real time
    assert _queue(settings, first) == 1
    [reminder] = pending_reminders(settings)
    assert reminder["subject"].startswith("Påmindelse:") and "10 dage forsinket" in reminder["message"]
    assert mark_reminders_sent(settings, [reminder["reminder_id"]]) == 1

    assert _queue(settings, first + dt.timedelta(days=13)) == 0  # within the interval: not again
    assert pending_reminders(settings) == []
    _timeliness(settings, [("101", "MOVE", "2026-09", 24)])
    assert _queue(settings, first + dt.timedelta(days=14, hours=1)) == 1  # still missing: again
    [again] = pending_reminders(settings)
    assert again["subject"].startswith("Gentaget påmindelse:") and "24 dage forsinket" in again["message"]
    mark_reminders_sent(settings, [again["reminder_id"]])
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert con.execute("select times_sent from quality.reminder_outbox").fetchone()[0] == 2
    finally:
        con.close()

    _timeliness(settings, [])  # the file arrived: no more reminders, however long it is
    assert _queue(settings, first + dt.timedelta(days=60)) == 0
    assert pending_reminders(settings) == []


def test_pending_reminders_wait_for_a_writer(settings: Settings) -> None:
    """The reader side of the lock: reading the outbox never happens beside a writer."""
    import threading

    _timeliness(settings, [("101", "MOVE", "2026-09", 10)])
    _queue(settings, dt.datetime(2026, 10, 25))
    done: list[int] = []
    with warehouse.writer_lock(settings):
        reader = threading.Thread(target=lambda: done.append(len(pending_reminders(settings))))
        reader.start()
        reader.join(timeout=1.5)
        assert reader.is_alive() and done == []  # blocked while the writer holds the lock
    reader.join(timeout=30)
    assert done == [1]


def test_published_copy_fresh_for_a_date(settings: Settings) -> None:
    at = dt.datetime(2026, 12, 1, 6, 0)
    [missing] = pipeline.freshness_problems(settings, at)
    assert "ingen publiceret kopi" in missing
    settings.published_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(settings.published_path)).close()

    def published(when: dt.datetime) -> None:
        stamp = when.replace(tzinfo=dt.UTC).timestamp()
        os.utime(settings.published_path, (stamp, stamp))

    published(at - dt.timedelta(hours=20))
    assert pipeline.freshness_problems(settings, at) == []
    published(at - dt.timedelta(hours=40))  # the catalog's limit is 36 hours
    [stale] = pipeline.freshness_problems(settings, at)
    assert "ældre end 36 timer" in stale and "29-11-2026 14:00 UTC" in stale
    published(at + dt.timedelta(days=10))  # a backfill of an old date: today's figures do not fit
    assert pipeline.freshness_problems(settings, at) == []  # the freshness check only minds age
    [newer] = pipeline.freshness_problems(settings, at, allow_newer=False)
    assert "kør eksporten for i dag" in newer


def test_overdue_deliveries_from_the_published_copy(settings: Settings) -> None:
    _timeliness(settings, [("101", "MOVE", "2026-08", 45), ("101", "MOVE", "2026-09", 10)])
    assert pipeline.overdue_deliveries(settings) == []  # nothing published yet
    shutil.copyfile(settings.warehouse_path, settings.published_path)
    assert pipeline.overdue_deliveries(settings) == [
        {"kommunekode": "101", "indsats": "MOVE", "period": "2026-08", "days_late": 45}]  # > 30 days only
    assert unattended.operations(settings)["delivery_alert_days"] == 30


def test_daily_timeliness_without_marts_says_so(settings: Settings) -> None:
    with pytest.raises(unattended.MartsMissing, match="kør udbredelse_transform"):
        pipeline.daily_timeliness(settings, dt.date(2026, 11, 30))


def test_freshness_dag_tasks_are_red_with_danish_messages(settings: Settings) -> None:
    from types import SimpleNamespace

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import AirflowFailException

    dag = DagBag(dag_folder=str(DAGS / "udbredelse_freshness.py")).dags["udbredelse_freshness"]
    fresh = dag.get_task("published_copy_fresh").python_callable
    on_time = dag.get_task("deliveries_on_time").python_callable
    run = SimpleNamespace(run_after=dt.datetime.now(dt.UTC))
    with pytest.raises(AirflowFailException, match="ingen publiceret kopi"):
        fresh(dag_run=run)
    _timeliness(settings, [("101", "MOVE", "2026-08", 45)])
    warehouse.publish(settings)
    assert fresh(dag_run=run) == {"fresh": True}
    with pytest.raises(AirflowFailException, match=r"1 forventet\(e\) indberetning\(er\).*kommune 101, MOVE 2026-08: 45"):
        on_time()


def test_export_refuses_a_copy_that_does_not_fit_the_run_date(settings: Settings) -> None:
    from types import SimpleNamespace

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import AirflowFailException

    dag = DagBag(dag_folder=str(DAGS / "udbredelse_export.py")).dags["udbredelse_export"]
    check = dag.get_task("check_published").python_callable
    assert dag.get_task("check_published").downstream_task_ids == {
        "export_indicators_analyst", "export_indicators_public", "export_quality", "export_cohort"}
    today = dt.datetime.now(dt.UTC)
    with pytest.raises(AirflowFailException, match="ingen publiceret kopi"):
        check(dag_run=SimpleNamespace(logical_date=today, run_after=today))
    _timeliness(settings, [])
    warehouse.publish(settings)
    assert check(dag_run=SimpleNamespace(logical_date=today, run_after=today)) == {
        "run_date": today.date().isoformat()}
    # a manual run without a logical date: the date it was due
    assert check(dag_run=SimpleNamespace(logical_date=None, run_after=today))["run_date"] == today.date().isoformat()
    old = today - dt.timedelta(days=30)  # a backfilled month: refused, not exported with today's figures
    with pytest.raises(AirflowFailException, match="kør eksporten for i dag"):
        check(dag_run=SimpleNamespace(logical_date=old, run_after=today))
