"""End to end through Airflow: dag.test() of ingest → transform → quality → export on S-scale demo data.

Runs in a subprocess (tests/dags/run_dags_e2e.py) with a temporary AIRFLOW_HOME and a SQLite
metadata DB, migrated first with `airflow db migrate`. Real ingest, real dbt build, real GX.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dags.smtp_server import smtp_server

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_dags_e2e.py")
CPR_PATTERN = re.compile(r"(?<![\w-])\d{6}-?\d{4}(?![\w-])")  # a CPR as a token (not inside a hex id)

pytestmark = pytest.mark.slow


def _airflow_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UDBREDELSE_", "AIRFLOW"))}
    env.update({
        "AIRFLOW_HOME": str(tmp / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp / 'airflow' / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "UDBREDELSE_HOME": str(tmp / "home"),
        "UDBREDELSE_MODE": "demo",
    })
    return env


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("airflow_e2e")
    (tmp / "airflow").mkdir()
    env = _airflow_env(tmp)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, cwd=REPO, check=True,
                   capture_output=True, timeout=300)
    out = tmp / "summary.json"
    log = tmp / "dag_test.log"
    with log.open("w", encoding="utf-8") as handle, smtp_server() as smtp:
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = smtp.conn_uri
        proc = subprocess.run([sys.executable, str(RUNNER), str(out)], env=env, cwd=REPO, stdout=handle,
                              stderr=subprocess.STDOUT, text=True, timeout=1500)
    mails = list(smtp.received)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, text[-4000:]
    summary = json.loads(out.read_text(encoding="utf-8"))
    summary["home"] = tmp / "home"
    summary["mails"] = mails
    # What to show when an assertion on a run fails: the error lines of the task logs.
    summary["log_tail"] = "\n".join(
        line[:400] for line in text.splitlines() if re.search(r"Error|Exception|fejlede|failed", line)
    )[-6000:] or text[-3000:]
    return summary


def _run(summary: dict, index: int) -> dict:
    return summary["runs"][index]


def _states(run: dict, task_id: str) -> list[str]:
    return [t["state"] for t in run["tasks"] if t["task_id"] == task_id]


def test_ingest_lands_every_file_in_one_task_and_emits_raw(e2e: dict) -> None:
    ingest = _run(e2e, 0)
    assert ingest["dag_id"] == "udbredelse_ingest"
    assert ingest["state"] == "success", e2e["log_tail"]
    summary = next(x["value"] for x in ingest["xcom"] if x["task_id"] == "ingest_waiting_files")
    assert summary["files"] == e2e["generated"]["files"] > 1
    assert sum(summary["by_status"].values()) == summary["files"]
    assert set(summary["by_status"]) <= {"accepted", "partial", "rejected", "duplicate"}
    assert summary["loaded"] > 0 and summary["failed"] == []
    assert sum(len(ids) for ids in summary["file_ids"].values()) == summary["files"]
    assert _states(ingest, "ingest_waiting_files") == ["success"]
    assert [t["map_index"] for t in ingest["tasks"]] == [-1] * len(ingest["tasks"])  # nothing mapped
    assert _states(ingest, "announce_raw") == ["success"]
    assert _states(ingest, "check_failed_files") == ["success"]
    raw_events = [e for e in e2e["asset_events"] if e["uri"] == "udbredelse://warehouse/raw"]
    assert [e["run_id"] for e in raw_events] == [ingest["run_id"]]
    assert not any((e2e["home"] / "inbox").glob("*/*.csv")), "ingested files leave the inbox"


def test_transform_builds_and_publishes_the_marts(e2e: dict) -> None:
    transform = _run(e2e, 1)
    assert transform["dag_id"] == "udbredelse_transform"
    assert transform["state"] == "success", e2e["log_tail"]
    assert [e["run_id"] for e in e2e["asset_events"] if e["uri"] == "udbredelse://warehouse/marts"] == [
        transform["run_id"]
    ]
    published = e2e["home"] / "published" / "udbredelse.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        kommuner = {r[0] for r in con.execute("select distinct kommunekode from marts.indicators").fetchall()}
        national = con.execute("select count(*) from marts.indicators where kommunekode = '000'").fetchone()[0]
    finally:
        con.close()
    assert national > 0
    assert set(e2e["kommuner_in_inbox"]) <= kommuner


def test_quality_runs_suites_timeliness_and_reminders(e2e: dict) -> None:
    quality = _run(e2e, 2)
    assert quality["dag_id"] == "udbredelse_quality"
    for task_id in ("run_quality_suites", "check_timeliness", "send_reminders"):
        assert _states(quality, task_id) == ["success"], (task_id, e2e["log_tail"])
    suites = next(x["value"] for x in quality["xcom"] if x["task_id"] == "run_quality_suites")
    assert suites["summary"]
    assert suites["critical_failed"] or suites["suites"] > 0
    timeliness = next(x["value"] for x in quality["xcom"] if x["task_id"] == "check_timeliness")
    assert {"missing_periods", "late_periods", "reminders_pending"} <= set(timeliness)
    assert timeliness["as_of"] == datetime.datetime.now(datetime.UTC).date().isoformat()  # the run's date, not the data's
    reminders = next(x["value"] for x in quality["xcom"] if x["task_id"] == "send_reminders")
    # through the SMTP connection (a test server): every pending reminder went out
    assert reminders["pending"] == timeliness["reminders_pending"] == reminders["sent"]
    assert len([m for m in e2e["mails"] if m[0][0].startswith("kommune-")]) == reminders["sent"]
    assert (e2e["home"] / "quality" / "data_docs" / "index.html").is_file()
    assert quality["state"] == ("failed" if suites["critical_failed"] else "success")


def test_export_writes_the_months_files(e2e: dict) -> None:
    export = _run(e2e, 3)
    assert export["dag_id"] == "udbredelse_export"
    assert export["state"] == "success", e2e["log_tail"]
    folders = sorted((e2e["home"] / "exports").iterdir())
    assert len(folders) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", folders[0].name)
    for name in ("indikatorer_analytiker.csv", "indikatorer_offentlig.csv", "datakvalitet.csv"):
        assert (folders[0] / name).stat().st_size > 0, name
    assert any((folders[0] / "kohorte").iterdir())


def test_rerun_with_nothing_waiting_emits_no_asset(e2e: dict) -> None:
    again = _run(e2e, 4)
    assert again["dag_id"] == "udbredelse_ingest"
    assert again["state"] == "success"
    assert next(x["value"] for x in again["xcom"] if x["task_id"] == "ingest_waiting_files")["files"] == 0
    assert _states(again, "announce_raw") == ["skipped"]
    assert again["run_id"] not in {e["run_id"] for e in e2e["asset_events"]}


def test_no_task_result_carries_a_cpr(e2e: dict) -> None:
    values = json.dumps([x["value"] for run in e2e["runs"] for x in run["xcom"]], ensure_ascii=False)
    assert values != "[]"
    assert not CPR_PATTERN.search(values)
