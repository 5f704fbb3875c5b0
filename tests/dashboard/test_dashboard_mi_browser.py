"""Every page, as a municipality and as an analyst, in headless Chromium over a real demo build.

On each page: no exception element, no "None"/"nan"/"NaN", no English UI words, no raw indicator or
catalog codes as visible text. Screenshots go to $CI_ARTIFACTS (or tests/artifacts/, gitignored).
Also: a deep link survives the login, a period button clicked twice stays selected, Overblik shows a
demo municipality beside its (widened) comparison group, and Om indikatorerne reads as plain Danish.

Set DASHBOARD_BROWSER_HOME to an existing demo home (`UDBREDELSE_HOME=... udbredelse demo`) to skip
building one (the build is most of this test's time).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from live_dashboard import CHROMIUM, CHROMIUM_ARGS, browser_marks, build_demo_home, running_dashboard

from udbredelse.settings import Settings, get_settings

pytestmark = browser_marks()

ENGLISH = ["Download", "rows", "status", "Page not found", "Record screen"]
EMPTY_WORDS = re.compile(r"\b(None|nan|NaN)\b")
MUNICIPALITY = "101"


def artefacts_dir() -> Path:
    folder = Path(os.environ.get("CI_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")
    folder = folder / "dashboard_pages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder




@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("mi_browser"))


@pytest.fixture(scope="module")
def raw_codes(demo_home: Path) -> set[str]:
    """Codes a reader must never see: every indicator code, and catalog codes with an underscore."""
    settings: Settings = get_settings(home=demo_home, mode="demo")
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        codes = {r[0] for r in con.execute("select distinct indicator from marts.indicators").fetchall()}
        for sql in ("select code from catalog.codes", "select rule_code from catalog.fidelity_rules",
                    "select milestone_code from catalog.milestones", "select instrument_code from catalog.instruments",
                    "select item_code from catalog.items"):
            codes |= {r[0] for r in con.execute(sql).fetchall() if r[0] and "_" in r[0]}
    finally:
        con.close()
    return codes


@pytest.fixture(scope="module")
def dashboard_url(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("mi_browser_log") / "dashboard.log"
    with running_dashboard(demo_home, log_path) as url:
        yield url


@pytest.fixture
def browser_page() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1800}, locale="da-DK")
        finally:
            browser.close()


SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]');
}"""
# The text a reader sees: the main area and the sidebar, without icon ligatures ("dashboard", "flag"),
# plus the cells of data grids (drawn on a canvas; their accessible table holds the text).
VISIBLE_TEXT_JS = """() => {
  const icons = Array.from(document.querySelectorAll('[data-testid="stIconMaterial"]'));
  const saved = icons.map(e => e.textContent);
  icons.forEach(e => { e.textContent = ''; });
  const parts = [];
  for (const sel of ['[data-testid="stMain"]', '[data-testid="stSidebar"]']) {
    const node = document.querySelector(sel);
    if (node) parts.push(node.innerText);
  }
  icons.forEach((e, i) => { e.textContent = saved[i]; });
  document.querySelectorAll('[data-testid="stDataFrame"] table th, [data-testid="stDataFrame"] table td')
    .forEach(c => parts.push(c.textContent));
  document.querySelectorAll('details').forEach(d => parts.push(d.textContent));
  return parts.join('\\n');
}"""


def _settle(page) -> None:  # noqa: ANN001 - playwright Page
    """Wait until Streamlit has finished the run (no stale elements) and charts had time to draw."""
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED_JS, timeout=90_000)
    page.wait_for_timeout(700)


def _login(page, url: str, role_label: str, path: str = "") -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible(timeout=90_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Rolle").click()
    page.get_by_role("option", name=role_label).click()
    if role_label == "Kommune":
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Kommune").last.click()
        page.get_by_role("option", name=re.compile(f"^{MUNICIPALITY} ")).click()
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Log ind")).to_have_count(0, timeout=90_000)
    _settle(page)


def _visible_problems(text: str, raw_codes: set[str]) -> list[str]:
    problems = [f"tom værdi {m.group(0)!r}" for m in EMPTY_WORDS.finditer(text)]
    problems += [f"engelsk {word!r}" for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    problems += [f"kode {code!r}" for code in sorted(raw_codes) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    return problems


def _visit_every_page(page, raw_codes: set[str], role: str) -> dict[str, list[str]]:  # noqa: ANN001
    links = page.locator('[data-testid="stSidebarNav"] a')
    titles = [t.strip().split("\n")[-1].strip() for t in links.all_inner_texts()]
    assert len(titles) >= 5, titles
    found: dict[str, list[str]] = {}
    for index, title in enumerate(titles):
        links.nth(index).click()
        _settle(page)
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower().encode("ascii", "ignore").decode()).strip("_") or str(index)
        page.screenshot(path=str(artefacts_dir() / f"{role}_{index:02d}_{slug}.png"), full_page=True)
        text = page.evaluate(VISIBLE_TEXT_JS)
        problems = _visible_problems(text, raw_codes)
        if page.locator('[data-testid="stException"]').count():
            problems.append("exception: " + page.locator('[data-testid="stException"]').first.inner_text()[:300])
        found[title] = problems
    return found


def test_every_page_as_municipality_and_analyst(dashboard_url: str, browser_page, raw_codes: set[str]) -> None:  # noqa: ANN001
    page = browser_page
    _login(page, dashboard_url, "Kommune")
    as_municipality = _visit_every_page(page, raw_codes, "kommune")
    page.get_by_role("button", name="Log ud").click()
    _settle(page)
    _login(page, dashboard_url, "Analytiker (Socialstyrelsen)")
    as_analyst = _visit_every_page(page, raw_codes, "analytiker")
    problems = {f"kommune: {k}": v for k, v in as_municipality.items() if v}
    problems |= {f"analytiker: {k}": v for k, v in as_analyst.items() if v}
    assert not problems, problems
    assert "Nationalt overblik" in as_analyst and "Nationalt overblik" not in as_municipality


def test_deep_link_survives_login_and_period_buttons_never_deselect(dashboard_url: str, browser_page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page = browser_page
    _login(page, dashboard_url, "Kommune", path="implementering")
    assert page.url.rstrip("/").endswith("/implementering")
    expect(page.get_by_role("heading", name="Implementering").first).to_be_visible(timeout=60_000)
    assert "Page not found" not in page.locator("body").inner_text()

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Overblik").click()
    _settle(page)
    year = page.locator('[data-testid="stButtonGroup"]').first.get_by_role("radio", name="År")
    year.click()
    _settle(page)
    year.click()  # a second click must not leave the period unselected
    _settle(page)
    pressed = page.locator('[data-testid="stButtonGroup"]').first.locator('[aria-checked="true"]')
    assert pressed.count() == 1 and pressed.first.inner_text().strip() == "År"


def test_overblik_shows_a_demo_municipality_beside_its_comparison_group(dashboard_url: str, browser_page) -> None:  # noqa: ANN001
    """Horsens (a demo municipality) has no other demo municipality in its region and size group: the group
    widens to all other municipalities with the intervention, is named in Danish, and its median is a line
    in the trends. An analyst sees it from every figure; a municipality only from the published ones."""
    from playwright.sync_api import expect

    page = browser_page
    _login(page, dashboard_url, "Analytiker (Socialstyrelsen)", path="overblik?kommune=615&indsats=MOVE")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Udviklingen de seneste 24 måneder: Horsens")).to_be_visible()
    expect(main.get_by_text("Sammenlignelige kommuner: Alle øvrige kommuner med indsatsen (4 kommuner).",
                            exact=False)).to_be_visible()
    expect(main.get_by_text("den første gruppe (Kommuner i Region Midtjylland med 75.000–99.999 indbyggere)",
                            exact=False)).to_be_visible()
    # the line: its points (Vega's labelled marks) and its name in the charts' legends
    points = main.locator('[role="graphics-symbol"][aria-label*="series: Alle øvrige kommuner med indsatsen (median)"]')
    assert points.count() >= 10, points.count()
    charts_with_line = main.locator('[data-testid="stVegaLiteChart"]').filter(
        has_text="Alle øvrige kommuner med indsatsen (median)")
    assert charts_with_line.count() >= 3, charts_with_line.count()
    page.screenshot(path=str(artefacts_dir() / "overblik_sammenligning_analytiker_horsens.png"), full_page=True)

    # A municipality: the same group, named, built from the published figures only.
    page.get_by_role("button", name="Log ud").click()
    _settle(page)
    _login(page, dashboard_url, "Kommune", path="overblik?indsats=MOVE")
    expect(main.get_by_text("Sammenlignelige kommuner: Alle øvrige kommuner med indsatsen (4 kommuner).",
                            exact=False)).to_be_visible()
    expect(main.get_by_text("som de er offentliggjort", exact=False)).to_be_visible()
    page.screenshot(path=str(artefacts_dir() / "overblik_sammenligning_kommune.png"), full_page=True)


def test_om_indikatorerne_reads_as_plain_danish_definitions(dashboard_url: str, browser_page) -> None:  # noqa: ANN001
    """A municipal leader reads one definition: what it counts, from which fields of the municipality's own
    file, and why it matters; and no indicator on the page lacks any of the three."""
    from playwright.sync_api import expect

    page = browser_page
    _login(page, dashboard_url, "Kommune", path="om-indikatorerne")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Om indikatorerne")).to_be_visible()
    main.get_by_text(re.compile(r"^Forløb og afslutning \(\d+\)$")).click()
    _settle(page)
    entry = main.locator('[data-testid="stMarkdownContainer"]').filter(has_text=re.compile(r"^Gennemførelsesrate\n"))
    expect(entry).to_have_count(1)
    text = entry.inner_text()
    assert "Hvad tæller den? Gennemførte / (gennemførte + afbrudte) med slutdato i perioden." in text, text
    assert "Hvor kommer tallet fra? statusfeltet og slutdato i forløbsfilen" in text, text
    assert re.search(r"Hvorfor er den vigtig\? .{40,}", text), text
    every = page.evaluate("() => Array.from(document.querySelectorAll('details')).map(d => d.textContent).join('\\n')")
    titles = ("Hvad tæller den?", "Hvor kommer tallet fra?", "Hvorfor er den vigtig?")
    assert all(every.count(t) == every.count(titles[0]) for t in titles) and every.count(titles[0]) >= 30
    assert "Mangler – kontakt" not in every
    page.screenshot(path=str(artefacts_dir() / "om_indikatorerne_definition.png"), full_page=True)
