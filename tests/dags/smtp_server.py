"""A tiny SMTP server on 127.0.0.1 (a free port) for the DAG tests: just enough RFC 5321 to accept mail."""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage


class _SMTPHandler(socketserver.StreamRequestHandler):
    """EHLO, MAIL, RCPT, DATA, QUIT; every message lands in server.received as (recipients, message)."""

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


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    received: list[tuple[list[str], EmailMessage]]

    @property
    def conn_uri(self) -> str:
        """The Airflow connection URI (AIRFLOW_CONN_SMTP_DEFAULT) for this server: plain SMTP, no TLS."""
        return (f"smtp://127.0.0.1:{self.server_address[1]}?disable_ssl=true&disable_tls=true"
                "&from_email=noreply%40udbredelse.example.invalid&timeout=10")


@contextlib.contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
