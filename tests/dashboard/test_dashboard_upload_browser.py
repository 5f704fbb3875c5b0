"""The municipality's loop in a real browser (headless Chromium, Debian's): upload → confirm → the worker
started by `udbredelse dashboard` ingests and refreshes → "Aktive forløb" on Overblik changes, with no
command run; a 2-course snapshot over ~171 courses shows the vanishing list, and declining leaves the
numbers as they were.

Builds an S-scale demo home (generate, ingest, dbt build, quality) and starts `udbredelse dashboard`
on a free port bound to 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from live_dashboard import running_dashboard
from test_dashboard_browser import CHROMIUM

from udbredelse.settings import Settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium er ikke installeret (/usr/bin/chromium)"),
]
AS_OF = date(2026, 11, 22)
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def demo_home(settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    from udbredelse import pipeline
    from udbredelse.generate import generate

    generate(scale="S", out=settings.inbox_dir, seed=42, settings=settings, as_of=AS_OF)
    latest = sorted((settings.inbox_dir / "101").glob("101_MOVE_forloeb_*.csv"))[-1]
    current = tmp_path / "current.csv"
    current.write_bytes(latest.read_bytes())
    pipeline.ingest(settings)
    pipeline.build(settings)
    return settings, current


@pytest.fixture
def dashboard(demo_home: tuple[Settings, Path], tmp_path: Path):  # noqa: ANN201 - generator fixture
    settings, _ = demo_home
    with running_dashboard(settings.home_path, tmp_path / "dashboard.log", {"UDBREDELSE_WORKER": "1"},
                           stop_timeout=40) as url:
        yield url
    ready = settings.home_path / "worker.ready"
    assert not ready.exists(), "the worker outlived the dashboard"


def _go(page, title: str) -> None:  # noqa: ANN001 - playwright Page
    """Navigate as a person does, by the sidebar (a new URL would start a new, logged-out session)."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=60_000)


def _active(page) -> str:  # noqa: ANN001 - playwright Page
    """The "Aktive forløb" figure on Overblik for MOVE."""
    from playwright.sync_api import expect

    _go(page, "Overblik")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Indsats").click()
    page.get_by_role("option", name=re.compile("MOVE")).click()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Aktive forløb ved periodens slut")
    expect(metric).to_be_visible(timeout=60_000)
    value, seen = None, []
    for _ in range(30):  # until the rerun after choosing MOVE has settled: the same value 3 s apart
        page.wait_for_timeout(1500)
        seen.append(metric.locator('[data-testid="stMetricValue"]').first.inner_text())
        if len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]:
            value = seen[-1]
            break
    assert value is not None, seen
    return value


def test_upload_confirm_and_see_the_numbers_change(dashboard: str, demo_home: tuple[Settings, Path],
                                                   tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    settings, current = demo_home
    header, rows = _rows(current)
    assert len(rows) > 100  # ~171 courses of København's MOVE
    started = next(r for r in rows if r["status"] == "i_gang")
    extra = {**started, "forloeb_id": "101-2026-NY-001", "cpr": "650190-1234", "status": "i_gang",
             "henvisningsdato": "2026-11-02", "startdato": "2026-11-09", "slutdato": "", "afslutningsaarsag": "",
             "antal_sessioner": "1"}
    one_more = _write(tmp_path / "101_MOVE_forloeb_2026-11-20.csv", header, [*rows, extra])
    two = _write(tmp_path / "101_MOVE_forloeb_2026-11-21.csv", header, rows[:2])

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="da-DK")
            page.goto(dashboard, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Log ind")).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="Log ind").click()  # Kommune, the first municipality (101)
            expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=60_000)
            before = _active(page)

            # one more started course: confirm, and the worker does the rest
            _go(page, "Upload")
            expect(page.locator('[data-testid="stFileUploaderDropzone"]')).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Vælg fil (CSV eller XLSX, højst")).to_be_visible()
            # Streamlit's English widget texts are hidden (they cannot be translated)
            expect(page.get_by_text("Drag and drop").first).to_be_hidden()
            expect(page.get_by_text("per file").first).to_be_hidden()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(one_more))
            expect(page.get_by_text("Nye forløb: 1")).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="Bekræft og indsend").click()
            expect(page.get_by_role("button", name="Bekræft og indsend")).to_have_count(0, timeout=30_000)
            expect(page.get_by_text("✓ modtaget")).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"✓ tallene er opdateret \(\d{2}-\d{2}-\d{4} kl\. \d{2}\.\d{2}\)"))
                   ).to_be_visible(timeout=180_000)
            page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
            after = _active(page)
            assert after != before, (before, after)

            # a 2-course snapshot over them all: the vanishing list; declining changes nothing
            _go(page, "Upload")
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(two))
            vanishing = page.get_by_text(re.compile(r"\d+ forløb findes ikke længere i filen: "))
            expect(vanishing).to_be_visible(timeout=60_000)
            count = int(re.match(r"(\d+)", vanishing.inner_text()).group(1))
            assert count == len(rows) - 1  # all but the 2 (+ the new one) vanish
            expect(page.get_by_text("forkert filter")).to_be_visible()
            expect(page.get_by_role("button", name="Bekræft og indsend")).to_be_disabled()
            page.get_by_role("button", name="Fortryd").click()
            expect(page.get_by_text("findes ikke længere i filen")).to_have_count(0, timeout=30_000)
            page.wait_for_timeout(3000)  # give a (wrongly) started refresh time to show
            assert _active(page) == after
        finally:
            browser.close()
    assert not any((settings.inbox_dir / "101").glob("*2026-11-21*"))
