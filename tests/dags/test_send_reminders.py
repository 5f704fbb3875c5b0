"""The quality DAG's send_reminders task: mails through the Airflow SMTP connection, or waits without one."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"

REMINDERS = [
    {"reminder_id": "101|MOVE|2026-09", "to": "kommune-101@example.invalid",
     "subject": "Påmindelse: indberetning for MOVE 2026-09 mangler", "body": "<p>Kære København Kommune</p>"},
    {"reminder_id": "851|MOVE|2026-09", "to": "kommune-851@example.invalid",
     "subject": "Påmindelse: indberetning for MOVE 2026-09 mangler", "body": "<p>Kære Aalborg Kommune</p>"},
]


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept mail: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"MAIL":
                recipients = []
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.append((recipients, message_from_bytes(data, policy=policy.default)))
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


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


def test_without_smtp_connection_nothing_is_sent_and_nothing_marked(send_reminders, outbox, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    assert send_reminders() == {"pending": 2, "sent": 0, "smtp": "ikke konfigureret"}
    assert outbox == []


def test_with_smtp_connection_each_reminder_is_mailed_then_marked(send_reminders, outbox, monkeypatch) -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT",
                           f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true"
                           "&from_email=noreply%40udbredelse.example.invalid&timeout=10")
        assert send_reminders() == {"pending": 2, "sent": 2}
    finally:
        server.shutdown()
        server.server_close()
    assert outbox == [["101|MOVE|2026-09", "851|MOVE|2026-09"]]
    assert [rcpt for rcpt, _ in server.received] == [["kommune-101@example.invalid"], ["kommune-851@example.invalid"]]
    subjects = {str(make_header(decode_header(msg["Subject"]))) for _, msg in server.received}
    assert subjects == {"Påmindelse: indberetning for MOVE 2026-09 mangler"}
    assert "København" in server.received[0][1].get_body(("html",)).get_content()
