"""Done-when of issue 19: the REAL Airflow, not `dag.test()`.

Airflow's api-server, scheduler and dag-processor run as separate processes on 127.0.0.1 (free ports),
with a SQLite metadata DB in a temporary AIRFLOW_HOME and the LocalExecutor. The inbox holds an S-scale
first delivery plus a file named with a (fictitious) CPR number and a file whose name is not UTF-8.
Nobody triggers or unpauses anything: through the REST API the test sees ingest → transform → quality
→ export succeed, then finds no clear CPR (any separator) in a dump of every metadata table, in the
XComs or in any log, and every file landed. An in-process SMTP server stands in for the mail relay:
reminders go to the municipalities, failure mails to the operators.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.dags.smtp_server import smtp_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CHAIN = ("udbredelse_ingest", "udbredelse_transform", "udbredelse_quality", "udbredelse_export")
PLANTED_CPR = re.compile(r"691005\D{0,3}4714")  # the CPR in the planted file name, whatever the separator
# any fictitious CPR (day + 60) as a token, with or without a separator (dash, en dash, space, none)
ANY_CPR = re.compile(r"(?<![0-9A-Za-z])(?:6[1-9]|[78][0-9]|9[01])(?:0[1-9]|1[0-2])[0-9]{2}(?:[-\u2013\u2011 ]|\u00a0)?"
                     r"[0-9]{4}(?![0-9A-Za-z])")
TIMEOUT_S = 1500


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read())


@contextlib.contextmanager
def _processes(commands: dict[str, list[str]], env: dict[str, str], logs: Path) -> Iterator[dict]:
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            with (logs / f"{name}.log").open("wb") as out:
                procs[name] = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                               start_new_session=True)
            if name == "api-server":
                _wait_healthy(f"http://127.0.0.1:{env['AIRFLOW__API__PORT']}", procs[name], logs / "api-server.log")
        yield procs
    finally:
        # ours only: the started processes and their descendants (task runners start their own sessions)
        family = [pid for proc in procs.values() for pid in (proc.pid, *_descendants(proc.pid))]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for proc in procs.values():
            proc.wait(timeout=10)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc), children first found, deepest last."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        with contextlib.suppress(OSError, ValueError):
            if _get(base, "/api/v2/monitor/health")["metadatabase"]["status"] == "healthy":
                return
        time.sleep(2)
    raise AssertionError("api-server did not become healthy: " + log.read_text(errors="replace")[-3000:])


def _runs(base: str, dag_id: str) -> list[dict]:
    try:
        return _get(base, f"/api/v2/dags/{dag_id}/dagRuns?order_by=run_after&limit=100")["dag_runs"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # not parsed yet by the dag-processor
            return []
        raise


def _chain_done(base: str) -> dict[str, dict] | None:
    """The first successful run of each DAG of the chain, once all four have one."""
    found: dict[str, dict] = {}
    for dag_id in CHAIN:
        ok = [r for r in _runs(base, dag_id) if r["state"] == "success"]
        if not ok:
            return None
        found[dag_id] = ok[0]
    return found


def _plant_files(inbox: Path) -> dict[str, bytes]:
    """A CPR-named sessions file and a course file whose name is Windows-1252 (not UTF-8)."""
    sessions = sorted((inbox / "330").glob("*_sessioner_*.csv"))[0]
    cpr_named = inbox / "330" / "sessioner_borger_691005-4714.csv"
    cpr_named.write_bytes(sessions.read_bytes().rstrip(b"\r\n") + b"\r\n\r\n")  # new bytes: not a duplicate
    course = sorted((inbox / "101").glob("*_forloeb_*.csv"))[0]
    odd = os.path.join(os.fsencode(inbox / "101"), b"101_EFEI_forl\xe5b_2026-08-31.csv")
    with open(odd, "wb") as handle:
        handle.write(course.read_bytes().rstrip(b"\r\n") + b"\r\n\r\n")
    return {"cpr_named": cpr_named.read_bytes(), "odd": Path(os.fsdecode(odd)).read_bytes()}


def _metadata_dump(db: Path) -> str:
    """Every row of every table of the metadata DB, as text (blobs decoded leniently)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.text_factory = lambda raw: raw.decode("utf-8", "replace")
    parts = []
    try:
        for (table,) in con.execute("select name from sqlite_master where type = 'table'").fetchall():
            for row in con.execute(f'select * from "{table}"').fetchall():  # noqa: S608 - names from sqlite_master
                parts.append(table + "\t" + "\t".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row))
    finally:
        con.close()
    return "\n".join(parts)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("airflow_live")
    airflow_home, home, logs = tmp / "airflow", tmp / "home", tmp / "process_logs"
    for folder in (airflow_home, home, logs):
        folder.mkdir()
    api_port = _free_port()
    with smtp_server() as smtp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UDBREDELSE_", "AIRFLOW"))}
        env.update({
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(32).hex(),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(_free_port()),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW_CONN_SMTP_DEFAULT": smtp.conn_uri,
            "UDBREDELSE_OPERATOR_EMAILS": "drift@example.invalid",
            "UDBREDELSE_HOME": str(home),
            "UDBREDELSE_MODE": "demo",
        })
        subprocess.run([sys.executable, "-m", "udbredelse.cli", "generate", "--scale", "S", "--out",
                        str(home / "inbox")], env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
        generated = sum(1 for p in (home / "inbox").rglob("*") if p.is_file())
        planted = _plant_files(home / "inbox")
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, cwd=REPO, check=True,
                       capture_output=True, timeout=600)
        airflow = [sys.executable, "-m", "airflow"]
        commands = {"api-server": [*airflow, "api-server"], "scheduler": [*airflow, "scheduler"],
                    "dag-processor": [*airflow, "dag-processor"]}
        base = f"http://127.0.0.1:{api_port}"
        with _processes(commands, env, logs) as procs:
            started = time.monotonic()
            chain = None
            while chain is None and time.monotonic() - started < TIMEOUT_S:
                for name, proc in procs.items():
                    assert proc.poll() is None, f"{name} stopped: " + (logs / f"{name}.log").read_text(
                        errors="replace")[-3000:]
                time.sleep(10)
                chain = _chain_done(base)
            runs = {dag_id: _runs(base, dag_id) for dag_id in (*CHAIN, "udbredelse_freshness")}
            xcoms = {}
            for dag_id in chain or {}:
                entries = _get(base, f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances/~/xcomEntries"
                                     f"?limit=1000")["xcom_entries"]
                for entry in entries:
                    value = _get(base, f"/api/v2/dags/{dag_id}/dagRuns/{entry['run_id']}/taskInstances/"
                                       f"{entry['task_id']}/xcomEntries/{entry['key']}")["value"]
                    xcoms[f"{dag_id}.{entry['task_id']}.{entry['run_id']}.{entry['key']}"] = value
            seconds = round(time.monotonic() - started)
        yield {"chain": chain, "runs": runs, "xcoms": xcoms, "seconds": seconds, "home": home,
               "airflow_home": airflow_home, "logs": logs, "generated": generated, "planted": planted,
               "mails": list(smtp.received)}


def test_real_airflow_runs_the_chain_unattended_and_keeps_cpr_out(live: dict) -> None:
    chain, runs = live["chain"], live["runs"]
    states = {dag_id: [(r["run_type"], r["state"]) for r in rs] for dag_id, rs in runs.items()}
    assert chain is not None, f"no complete chain after {live['seconds']} s: {states}"
    # nobody triggered anything: the first ingest came from its schedule, the rest from asset events
    assert chain["udbredelse_ingest"]["run_type"] == "scheduled"
    for dag_id in CHAIN[1:]:
        assert chain[dag_id]["run_type"] == "asset_triggered", (dag_id, states)
    assert not [r for rs in runs.values() for r in rs if r["run_type"] == "manual"]

    # every file landed: the inbox is empty, each got a verdict in the manifest (of the published copy)
    home = live["home"]
    assert not [p for p in (home / "inbox").rglob("*") if not p.is_dir()]
    con = duckdb.connect(str(home / "published" / "udbredelse.duckdb"), read_only=True)
    try:
        files = con.execute("select original_name, status from raw.files").fetchall()
        indicators = con.execute("select count(*) from marts.indicators").fetchone()[0]
    finally:
        con.close()
    names = {name: status for name, status in files}
    assert len(files) == live["generated"] + 2
    assert names["sessioner_borger_691005-xxxx.csv"] in ("accepted", "partial", "rejected")
    assert names["101_EFEI_forl\ufffdb_2026-08-31.csv"] == "rejected"  # ingest's verdict on a name not UTF-8
    assert indicators > 0
    assert any((home / "exports").glob("*/indikatorer_analytiker.csv"))

    # task results: counts and file ids, never a name
    ingest_result = next(v for k, v in live["xcoms"].items()
                         if k.startswith("udbredelse_ingest.ingest_waiting_files") and k.endswith(".return_value"))
    assert ingest_result["files"] == live["generated"] + 2 and ingest_result["failed"] == []

    # no clear CPR anywhere Airflow keeps things: every metadata table, the XComs, every log
    dump = _metadata_dump(live["airflow_home"] / "airflow.db")
    assert "udbredelse_ingest" in dump and "ingest_waiting_files" in dump  # the dump is real
    xcom_text = json.dumps(live["xcoms"], ensure_ascii=False)
    log_texts = {str(p): p.read_bytes().decode("utf-8", "replace")
                 for folder in (live["airflow_home"] / "logs", live["logs"]) for p in folder.rglob("*") if p.is_file()}
    assert any("ingest_waiting_files" in path for path in log_texts)  # task logs were written
    for where, text in {"metadata DB": dump, "XCom": xcom_text, **log_texts}.items():
        assert not PLANTED_CPR.search(text), where
        found = ANY_CPR.search(text)
        assert not found, (where, text[max(0, found.start() - 80):found.end() + 80])

    # mail: reminders to the municipalities through the SMTP connection; failures to the operators
    recipients = [rcpt for rcpt, _ in live["mails"]]
    assert any(r.startswith("kommune-") for rs in recipients for r in rs)
    failed_runs = [r for rs in runs.values() for r in rs if r["state"] == "failed"]
    if failed_runs:  # e.g. the freshness check before anything was published
        assert ["drift@example.invalid"] in recipients
