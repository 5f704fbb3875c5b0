"""The quality DAG's send_reminders task: mails through the Airflow SMTP connection, or is red without one;
and the failure callback every task has mails the operators."""

from __future__ import annotations

from email.header import decode_header, make_header
from pathlib import Path

import pytest

from tests.dags.smtp_server import smtp_server

DAGS = Path(__file__).resolve().parents[2] / "dags"

REMINDERS = [
    {"reminder_id": "101|MOVE|2026-09", "to": "kommune-101@example.invalid",
     "subject": "Påmindelse: indberetning for MOVE 2026-09 mangler", "body": "<p>Kære København Kommune</p>"},
    {"reminder_id": "851|MOVE|2026-09", "to": "kommune-851@example.invalid",
     "subject": "Påmindelse: indberetning for MOVE 2026-09 mangler", "body": "<p>Kære Aalborg Kommune</p>"},
]


@pytest.fixture
def send_reminders():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS / "udbredelse_quality.py")).dags["udbredelse_quality"].get_task(
        "send_reminders").python_callable


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch, home: Path) -> list[list[str]]:
    import udbredelse.quality as quality

    marked: list[list[str]] = []
    monkeypatch.setattr(quality, "pending_reminders", lambda settings: [dict(r) for r in REMINDERS])
    monkeypatch.setattr(quality, "mark_reminders_sent", lambda settings, ids: marked.append(list(ids)) or len(ids))
    return marked


def test_without_smtp_connection_the_task_is_red_and_nothing_is_marked(send_reminders, outbox, monkeypatch) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with pytest.raises(AirflowFailException, match=r"Ingen SMTP-forbindelse \(smtp_default\).*2 påmindelse\(r\)"):
        send_reminders()
    assert outbox == []


def test_with_smtp_connection_each_reminder_is_mailed_then_marked(send_reminders, outbox, monkeypatch) -> None:
    with smtp_server() as server:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", server.conn_uri)
        assert send_reminders() == {"pending": 2, "sent": 2}
    assert outbox == [["101|MOVE|2026-09", "851|MOVE|2026-09"]]
    assert [rcpt for rcpt, _ in server.received] == [["kommune-101@example.invalid"], ["kommune-851@example.invalid"]]
    subjects = {str(make_header(decode_header(msg["Subject"]))) for _, msg in server.received}
    assert subjects == {"Påmindelse: indberetning for MOVE 2026-09 mangler"}
    assert "København" in server.received[0][1].get_body(("html",)).get_content()


def test_with_nothing_pending_the_task_is_green_without_smtp(send_reminders, monkeypatch) -> None:
    import udbredelse.quality as quality

    monkeypatch.setattr(quality, "pending_reminders", lambda settings: [])
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    assert send_reminders() == {"pending": 0, "sent": 0}


def test_a_failed_task_mails_the_operators_without_the_error_message(monkeypatch) -> None:
    from types import SimpleNamespace

    from airflow.dag_processing.dagbag import DagBag

    callback = DagBag(dag_folder=str(DAGS / "udbredelse_export.py")).dags["udbredelse_export"].get_task(
        "export_quality").on_failure_callback
    callbacks = callback if isinstance(callback, list) else [callback]
    ti = SimpleNamespace(dag_id="udbredelse_export", task_id="export_quality", run_id="scheduled__2026-12-01",
                         log_url="http://127.0.0.1:8080/dags/udbredelse_export/runs/x/tasks/export_quality")
    with smtp_server() as server:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", server.conn_uri)
        monkeypatch.setenv("UDBREDELSE_OPERATOR_EMAILS", "drift@example.invalid, vagt@example.invalid")
        for cb in callbacks:
            cb({"ti": ti, "exception": ValueError("borger 611090-1234 i fejlteksten")})
    assert len(server.received) == 1
    recipients, message = server.received[0]
    assert recipients == ["drift@example.invalid", "vagt@example.invalid"]
    assert str(make_header(decode_header(message["Subject"]))) == "[udbredelse] Eksport fejlede (udbredelse_export)"
    body = message.get_body(("html",)).get_content()
    assert "udbredelse_export.export_quality" in body and "ValueError" in body and "Log: http://127.0.0.1" in body
    assert "611090" not in body


def test_without_operators_or_smtp_the_callback_only_logs(monkeypatch, caplog) -> None:
    import dag_defaults

    monkeypatch.delenv("UDBREDELSE_OPERATOR_EMAILS", raising=False)
    assert dag_defaults.mail_operators("x", ["y"]) == "ingen modtagere"
    monkeypatch.setenv("UDBREDELSE_OPERATOR_EMAILS", "drift@example.invalid")
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with caplog.at_level("WARNING", logger="udbredelse.airflow"):
        assert dag_defaults.mail_operators("x", ["y"]) == "ingen SMTP-forbindelse"
    assert "fejlmailen til driften er ikke sendt" in caplog.text
