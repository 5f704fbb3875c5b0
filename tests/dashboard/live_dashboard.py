"""`udbredelse dashboard` as a person meets it: the real CLI in its own process on 127.0.0.1, for the
browser tests (demo login, upload loop, every page)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"udbredelse dashboard stoppede med kode {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("dashboardet svarede ikke")


@contextmanager
def running_dashboard(home: Path | str, log_path: Path, extra_env: dict[str, str] | None = None,
                      stop_timeout: float = 15) -> Iterator[str]:
    """Start `udbredelse dashboard` in demo mode on a free loopback port; yield its URL; stop it."""
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("UDBREDELSE_")},
           "UDBREDELSE_HOME": str(home), "UDBREDELSE_MODE": "demo", "STREAMLIT_SERVER_PORT": str(port),
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           **(extra_env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "udbredelse.cli", "dashboard"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()


# ---- shared by the browser tests ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium, never a browser download
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def browser_marks() -> list:
    """The marks of a browser test module: slow, browser, and skipped where Chromium is not installed."""
    import pytest

    return [pytest.mark.slow, pytest.mark.browser,
            pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium er ikke installeret (/usr/bin/chromium)")]


def build_demo_home(root: Path) -> Path:
    """The demo's S data (seed 42) generated, ingested, built and published under `root`, as `udbredelse demo`
    does; DASHBOARD_BROWSER_HOME names an existing demo home instead (the build is most of a browser test's
    time)."""
    given = os.environ.get("DASHBOARD_BROWSER_HOME")
    if given:
        return Path(given)
    from udbredelse import pipeline
    from udbredelse.generate import generate
    from udbredelse.settings import get_settings

    settings = get_settings(home=root / "home", mode="demo")
    settings.ensure_dirs()
    generate(scale="S", out=settings.inbox_dir, seed=42, settings=settings)
    pipeline.ingest(settings)
    pipeline.build(settings)
    return settings.home_path
