"""Provisional periods as an analyst meets them (issue 21, done-when): demo data (S) where every municipality
has delivered October, then one municipality delivers November. In headless Chromium, Nationalt overblik
defaults to October (the last complete month), marks November as provisional ("foreløbig") and says how many
municipalities the national figure covers ("1 af 5 kommuner")."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from live_dashboard import running_dashboard
from test_dashboard_mi_browser import CHROMIUM, CHROMIUM_ARGS, VISIBLE_TEXT_JS, _login, _settle

from udbredelse.settings import get_settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium er ikke installeret (/usr/bin/chromium)"),
]

AS_OF = dt.date(2026, 11, 22)  # every municipality's October snapshot has arrived (deadline 15-11 passed)
NOVEMBER_ARRIVAL = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)  # before November's deadline (15-12)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from udbredelse import pipeline
    from udbredelse.generate import generate

    settings = get_settings(home=tmp_path_factory.mktemp("provisional") / "home", mode="demo")
    settings.ensure_dirs()
    generate(scale="S", out=settings.inbox_dir, seed=42, settings=settings, as_of=AS_OF)
    october = sorted(p for p in settings.inbox_dir.glob("*/*_MOVE_forloeb_2026-10-31.csv"))[0]
    kommune, october_bytes = october.parent.name, october.read_bytes()
    pipeline.ingest(settings)
    pipeline.build(settings)
    # one municipality delivers November: its snapshot as of 30-11 (the same courses; other line endings,
    # so the bytes — and the file id — differ from October's), arriving on 03-12
    crlf = b"\r\n" in october_bytes
    november = settings.inbox_dir / kommune / f"{kommune}_MOVE_forloeb_2026-11-30.csv"
    november.write_bytes(october_bytes.replace(b"\r\n", b"\n") if crlf else october_bytes.replace(b"\n", b"\r\n"))
    os.utime(november, (NOVEMBER_ARRIVAL.timestamp(), NOVEMBER_ARRIVAL.timestamp()))
    pipeline.ingest(settings)
    pipeline.build(settings)
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        november_row = con.execute("select kommuner_delivered, kommuner_reporting, provisional from marts.period_coverage "
                                   "where indsats = 'MOVE' and period = '2026-11'").fetchall()
    finally:
        con.close()
    assert november_row == [(1, 5, True)], november_row  # the build's verdict the page must show
    return settings.home_path


@pytest.fixture(scope="module")
def dashboard_url(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_dashboard(home, tmp_path_factory.mktemp("provisional_log") / "dashboard.log") as url:
        yield url


def test_nationalt_marks_the_provisional_month_with_its_coverage(dashboard_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2200}, locale="da-DK")
            _login(page, dashboard_url, "Analytiker (Socialstyrelsen)")
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Nationalt overblik").click()
            _settle(page)
            page.locator('[data-testid="stButtonGroup"]').first.get_by_role("radio", name="Måned").click()
            _settle(page)
            expect(page.get_by_text("Hele landet dækker", exact=False)).to_be_visible(timeout=60_000)
            page.screenshot(path=str(tmp_path / "nationalt_foreloebig.png"), full_page=True)
            text = page.evaluate(VISIBLE_TEXT_JS)
        finally:
            browser.close()
    # the table shows MOVE at October, the last complete month, covering all five municipalities
    assert "MOVE (2026-10)" in text
    assert "MOVE oktober 2026: 5 af 5 kommuner" in text
    # November is on the trend, marked provisional, with the one municipality it covers
    assert "foreløbig periode (MOVE november 2026: 1 af 5 kommuner)" in text
    assert "«Foreløbig»" in text
