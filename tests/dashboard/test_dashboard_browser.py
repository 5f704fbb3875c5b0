"""A real browser (headless Chromium) logs in through the demo login and opens Overblik.

Starts `udbredelse dashboard` as a subprocess on a free port over a published home (the small test
warehouse, or an existing demo home named by DASHBOARD_BROWSER_HOME), and saves a screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from dashboard_fixture import build_test_warehouse
from live_dashboard import running_dashboard

from udbredelse.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium er ikke installeret (/usr/bin/chromium)"),
]




@pytest.fixture
def dashboard_url(settings: Settings, tmp_path: Path):  # noqa: ANN201 - generator fixture
    home = os.environ.get("DASHBOARD_BROWSER_HOME")
    if home is None:
        build_test_warehouse(settings)
        home = str(settings.home_path)
    with running_dashboard(home, tmp_path / "dashboard.log") as url:
        yield url


def test_demo_login_and_overview_in_chromium(dashboard_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="da-DK")
            page.goto(dashboard_url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Log ind")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("DEMO-login").first).to_be_visible()
            page.get_by_role("button", name="Log ind").click()  # default role Kommune, first municipality

            expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("DEMO-login").first).to_be_visible()  # the banner stays on every page
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Indsats").click()
            page.get_by_role("option", name=re.compile("MOVE")).click()
            page.get_by_role("radio", name="Måned").first.click()  # the test warehouse has monthly figures
            metrics = page.locator('[data-testid="stMetricValue"]')
            expect(metrics.first).to_be_visible(timeout=60_000)
            expect(page.locator(".vega-embed").nth(1)).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1500)  # let the charts finish drawing
            values = metrics.all_inner_texts()
            shot = tmp_path / "overblik.png"
            page.screenshot(path=str(shot), full_page=True)
            keep = os.environ.get("DASHBOARD_BROWSER_SCREENSHOT")
            if keep:
                shutil.copyfile(shot, keep)
            # the page has finished its run (no "running" widget) before the button is clicked: a click on a
            # button that a rerun is replacing starts no download
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
            button = page.get_by_role("button", name="Hent som CSV").first
            expect(button).to_be_enabled(timeout=60_000)
            with page.expect_download(timeout=60_000) as download_info:  # the comparison table as CSV
                button.click()
            downloaded = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
        finally:
            browser.close()

    assert len(values) >= 5
    assert any(re.search(r"\d", value) for value in values), values
    assert shot.stat().st_size > 20_000
    assert downloaded.startswith("Indikator;") and "Hele landet" in downloaded.splitlines()[0]


@pytest.mark.slow
def test_analyst_sees_numbers_with_the_public_mark_on_nationalt_overblik(dashboard_url: str, tmp_path: Path) -> None:
    """Issue 21: an analyst works inside the data controller and sees every number, each one the public
    policy would hide marked; the matrix as downloaded (what the page shows) carries "3 (<5)", not "<5"."""
    from dashboard_fixture import OTHER
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="da-DK")
            page.goto(dashboard_url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Log ind")).to_be_visible(timeout=60_000)
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Rolle").click()
            page.get_by_role("option", name="Analytiker (Socialstyrelsen)").click()
            page.get_by_role("button", name="Log ind").click()
            expect(page.get_by_role("heading", name="Log ind")).to_have_count(0, timeout=60_000)
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Nationalt overblik").click()
            expect(page.get_by_role("heading", name="Nationalt overblik")).to_be_visible(timeout=60_000)
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Indikator").click()
            page.get_by_role("option", name="Opstartede forløb", exact=True).click()
            page.get_by_role("radio", name="Måned").first.click()
            legend = page.get_by_text("må ikke offentliggøres").first
            expect(legend).to_be_visible(timeout=60_000)
            expect(page.get_by_text("skjult, så et lille tal ikke kan regnes ud").first).to_be_visible()
            page.wait_for_timeout(4000)  # let the rerun after the period switch finish
            button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Hent som CSV").first
            expect(button).to_be_visible(timeout=60_000)
            with page.expect_download(timeout=90_000) as download_info:  # the matrix as shown
                button.locator("button").click()
            downloaded = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
            page.screenshot(path=str(tmp_path / "nationalt_analytiker.png"), full_page=True)
        finally:
            browser.close()

    other = next(line for line in downloaded.splitlines() if line.startswith(f"{OTHER};"))
    assert "3 (<5)" in other, other  # the number with its mark, not the public "<5"
    assert ";<5" not in downloaded and ";skjult" not in downloaded.replace(" (skjult)", ""), downloaded
