"""DAG integrity: every file in dags/ parses, the DAGs are thin, tagged, retried and chained by assets."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
EXPECTED_DAGS = {"udbredelse_ingest", "udbredelse_transform", "udbredelse_quality", "udbredelse_export",
                 "udbredelse_freshness"}
RAW_URI = "udbredelse://warehouse/raw"
MARTS_URI = "udbredelse://warehouse/marts"
CHECKED_URI = "udbredelse://quality/checked"
# What a DAG file may import at module level: the Airflow SDK, the standard library basics and
# the DAGs' shared defaults (dags/dag_defaults.py, itself standard library only).
ALLOWED_TOP_LEVEL = {"__future__", "datetime", "os", "typing", "airflow.sdk", "dag_defaults"}
# Modules that must not be loaded just by parsing the DAG files (heavy, or touching data).
HEAVY = ("udbredelse", "duckdb", "polars", "great_expectations", "dbt", "streamlit", "pandera", "pyarrow")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_all_dags_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert EXPECTED_DAGS <= set(dagbag.dags)
    assert len(dagbag.dags) >= 4


def test_no_cycles_and_valid(dagbag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle()
        dag.validate()


def test_every_dag_is_documented_tagged_and_bounded(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags and "udbredelse" in dag.tags, dag_id
        assert dag.doc_md and len(dag.doc_md.strip()) > 100, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert dag.catchup is False, dag_id
        # the README's local Airflow section works as written: nothing waits to be unpaused
        assert dag.is_paused_upon_creation is False, dag_id


def test_every_task_has_retries_timeout_and_a_danish_failure_log(dagbag) -> None:
    for dag in dagbag.dags.values():
        for t in dag.tasks:
            where = f"{dag.dag_id}.{t.task_id}"
            assert t.retries >= 1, where
            assert t.retry_delay.total_seconds() > 0, where
            assert t.execution_timeout is not None and t.execution_timeout.total_seconds() > 0, where
            assert t.on_failure_callback, where


def test_failure_callback_logs_danish_without_the_exception_message(dagbag, caplog) -> None:
    """The callback names the task and the error type; the message (which could carry data) is not logged."""
    from types import SimpleNamespace

    callback = dagbag.dags["udbredelse_quality"].get_task("run_quality_suites").on_failure_callback
    callbacks = callback if isinstance(callback, list) else [callback]
    ti = SimpleNamespace(task_id="run_quality_suites", run_id="manual__x")
    with caplog.at_level("ERROR", logger="udbredelse.airflow"):
        for cb in callbacks:
            cb({"ti": ti, "exception": ValueError("cpr 611090-1234 i fejltekst")})
    text = caplog.text
    assert "Datakvalitetskørslen fejlede" in text and "run_quality_suites" in text and "ValueError" in text
    assert "611090" not in text


def test_assets_chain_ingest_to_transform_to_quality_to_export(dagbag) -> None:
    ingest = dagbag.dags["udbredelse_ingest"]
    transform = dagbag.dags["udbredelse_transform"]
    quality = dagbag.dags["udbredelse_quality"]
    export = dagbag.dags["udbredelse_export"]
    assert [a.uri for a in ingest.get_task("announce_raw").outlets] == [RAW_URI]
    assert {asset.uri for asset in transform.timetable.asset_condition.objects} == {RAW_URI}
    assert [a.uri for a in transform.get_task("build_and_publish").outlets] == [MARTS_URI]
    assert transform.max_active_tasks == 1
    assert {asset.uri for asset in quality.timetable.asset_condition.objects} == {MARTS_URI}
    assert [a.uri for a in quality.get_task("fail_on_critical").outlets] == [CHECKED_URI]
    assert {asset.uri for asset in export.timetable.asset_condition.objects} == {CHECKED_URI}
    # a DAG run's state comes from its leaves: a red send_reminders must make the quality run red
    assert {t.task_id for t in quality.leaves} == {"send_reminders", "fail_on_critical"}


def test_ingest_is_one_batch_task_not_one_task_per_file(dagbag) -> None:
    ingest = dagbag.dags["udbredelse_ingest"]
    assert {t.task_id for t in ingest.tasks} == {"ingest_waiting_files", "announce_raw", "check_failed_files"}
    for dag in dagbag.dags.values():  # no map-length ceiling anywhere, no file name as a map index
        assert not [t.task_id for t in dag.tasks if type(t).__name__ == "MappedOperator"], dag.dag_id
    assert ingest.get_task("announce_raw").upstream_task_ids == {"ingest_waiting_files"}
    assert ingest.get_task("check_failed_files").upstream_task_ids == {"ingest_waiting_files"}


def test_schedules(dagbag) -> None:
    assert dagbag.dags["udbredelse_ingest"].timetable.expression == "*/2 * * * *"  # an upload is picked up within two minutes
    assert dagbag.dags["udbredelse_quality"].timetable.timetable.expression == "30 5 * * *"
    assert dagbag.dags["udbredelse_export"].timetable.timetable.expression == "0 6 1 * *"
    assert dagbag.dags["udbredelse_freshness"].timetable.expression == "17 * * * *"


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_import_only_the_sdk_at_top_level(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {node.module or ""}
        else:
            continue
        assert names <= ALLOWED_TOP_LEVEL, f"{path.name}: top-level import of {names}"
        assert not any(n.startswith("udbredelse") for n in names)


def test_parsing_the_dag_files_loads_no_heavy_module() -> None:
    """Parse every DAG file in a fresh interpreter and list what got imported."""
    code = (
        "import importlib.util, json, sys, pathlib\n"
        f"sys.path.append({str(DAGS)!r})\n"  # as Airflow's DAG bundle does
        f"for p in sorted(pathlib.Path({str(DAGS)!r}).glob('*.py')):\n"
        "    spec = importlib.util.spec_from_file_location(p.stem, p)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("UDBREDELSE_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == []


def test_announce_raw_emits_when_a_file_got_a_verdict(dagbag) -> None:
    """A batch of only rejected files still refreshes the marts (the municipality's feedback changes)."""
    from airflow.sdk.exceptions import AirflowSkipException

    announce = dagbag.dags["udbredelse_ingest"].get_task("announce_raw").python_callable
    with pytest.raises(AirflowSkipException):
        announce({"files": 1, "by_status": {"duplicate": 1}, "verdicts": 0, "loaded": 0})
    with pytest.raises(AirflowSkipException):
        announce({"files": 0, "by_status": {}, "verdicts": 0, "loaded": 0})
    assert announce({"files": 2, "by_status": {"rejected": 2}, "verdicts": 2, "loaded": 0}) == {
        "files_with_verdict": 2, "loaded": 0}


def test_check_failed_files_is_red_naming_ids_and_municipalities_only(dagbag) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    check = dagbag.dags["udbredelse_ingest"].get_task("check_failed_files").python_callable
    ok = {"files": 2, "by_status": {"accepted": 1, "rejected": 1}, "failed": []}
    assert check(ok) == {"files": 2, "by_status": {"accepted": 1, "rejected": 1}}
    with pytest.raises(AirflowFailException, match=r"1 fil\(er\) kunne ikke gemmes.*0123456789ab \(kommune 101\)"):
        check({"files": 1, "by_status": {"failed": 1}, "failed": [{"file_id": "0123456789ab", "kommunekode": "101"}]})
