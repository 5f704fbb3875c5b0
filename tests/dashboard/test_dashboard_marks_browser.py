"""Issue 21, honest marks and audiences, in headless Chromium over a real demo build (S, seed 42).

- Eksport, as an analyst: the file offered is exactly the audience's (switching audience withdraws the
  other file), named for it, and its first line names the audience and the policy. The analyst file
  downloaded here is the truth the other tests check the pages against.
- Nationalt overblik, as an analyst: numbers, never a bare "<5"/"skjult", and beside every number the
  public policy hides, its mark ("3 (<5)", "14 (skjult)") - the same number and mark as in that file.
- As a municipality (Overblik in every period, Resultater in every year, both interventions): every "<5"
  is a national cell whose true value is 1-4 and which the policy hides as a small number; and every
  hidden national count of the end-reason table reads "<5" or "skjult" by the policy's reason.

Set DASHBOARD_BROWSER_HOME to an existing demo home (`UDBREDELSE_HOME=... udbredelse demo`) to skip
building one (the build is most of this test's time).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_dashboard import CHROMIUM, CHROMIUM_ARGS, browser_marks, build_demo_home, running_dashboard

from udbredelse.export.indicators import read_indicator_csv

pytestmark = browser_marks()
MUNICIPALITY = "101"
NATIONAL = "000"
MARK_TEXT = {"primary": "<5", "secondary": "skjult", "not_public": "ikke offentlig"}
SHOWN_WITH_MARK = re.compile(
    r"^(?P<number>[\d.]+(?:,\d+)?)(?: (?P<unit>%|dage))?(?: \((?P<mark><5|skjult|ikke offentlig)\))?$")

SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]');
}"""
# Every data grid of the main area as its accessible table (the grid itself is drawn on a canvas).
GRIDS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]'))
  .map(frame => {
    const table = frame.querySelector('table[role="grid"]');
    if (!table) return {headers: [], rows: []};
    const headers = Array.from(table.querySelectorAll('thead th')).map(c => c.textContent.trim());
    const rows = Array.from(table.querySelectorAll('tbody tr'))
      .map(r => Array.from(r.querySelectorAll('td')).map(c => c.textContent.trim()));
    return {headers, rows};
  })"""
# Every point of every chart in the main area as a screen reader reads it (Vega's aria-label: "Serie: …;
# Måned: …; Værdi: …"), with the text of the last markdown above it (the chart's title).
CHART_POINTS_JS = """() => {
  const out = []; let title = null;
  document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"], '
                            + '[data-testid="stMain"] .vega-embed').forEach(node => {
    if (node.classList.contains('vega-embed')) {
      node.querySelectorAll('[aria-label]').forEach(e => out.push({title, label: e.getAttribute('aria-label')}));
    } else {
      title = node.innerText.trim();
    }
  });
  return out;
}"""


# ---- the build, the dashboard, the browser ------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_home(tmp_path_factory.mktemp("marks_browser"))


@pytest.fixture(scope="module")
def dashboard_url(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_dashboard(demo_home, tmp_path_factory.mktemp("marks_browser_log") / "dashboard.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator:  # noqa: ANN001 - playwright Browser
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="da-DK", accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def labels(demo_home: Path) -> dict[str, str]:
    """code → the Danish name the pages show (the dashboard's own labelling, read from the same build)."""
    from dashboard import queries
    from dashboard.viewer import Viewer

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UDBREDELSE_HOME", str(demo_home))
        patch.setenv("UDBREDELSE_MODE", "demo")
        viewer = Viewer(role="analyst")
        return {code: queries.label(viewer, code) for code in queries.indicator_codes(viewer)}


def _shot(page, name: str) -> None:  # noqa: ANN001
    """A screenshot to $CI_ARTIFACTS/dashboard_pages/ (else tests/artifacts/, gitignored)."""
    folder = Path(os.environ.get("CI_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")
    folder = folder / "dashboard_pages"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"marks_{name}.png"), full_page=True)


def _settle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED_JS, timeout=90_000)
    page.wait_for_timeout(500)


def _login(page, url: str, role_label: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible(timeout=90_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Rolle").click()
    page.get_by_role("option", name=role_label).click()
    if role_label == "Kommune":
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Kommune").last.click()
        page.keyboard.type(MUNICIPALITY)
        page.get_by_role("option", name=re.compile(f"^{MUNICIPALITY} ")).click()
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Log ind")).to_have_count(0, timeout=90_000)
    _settle(page)


def _open(page, title: str) -> None:  # noqa: ANN001
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    _settle(page)


def _box(page, label: str):  # noqa: ANN001, ANN202
    return page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first


def _choose(page, box: str, option: str | re.Pattern[str]) -> None:  # noqa: ANN001
    _box(page, box).click()
    if isinstance(option, str):
        page.keyboard.type(option[:14])
    page.get_by_role("option", name=option).first.click()
    _settle(page)


def _options(page, box: str) -> list[str]:  # noqa: ANN001
    _box(page, box).click()
    texts = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def _period(page, name: str) -> None:  # noqa: ANN001
    page.locator('[data-testid="stButtonGroup"]').first.get_by_role("radio", name=name).click()
    _settle(page)


def _grids(page) -> list[dict]:  # noqa: ANN001
    return page.evaluate(GRIDS_JS)


# ---- the analyst's file, downloaded through Eksport -----------------------------------------------------

def _audience(page, label: str) -> None:  # noqa: ANN001
    page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
    _settle(page)


def _make_and_download(page, audience_label: str, file_name: str) -> bytes:  # noqa: ANN001
    from playwright.sync_api import expect

    _audience(page, audience_label)
    expect(page.get_by_text(file_name).first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Lav indikatoreksport").click()
    _settle(page)
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text=f"Hent {file_name}")
    expect(button).to_have_count(1, timeout=60_000)
    with page.expect_download(timeout=90_000) as download:
        button.locator("button").click()
    assert download.value.suggested_filename == file_name
    return Path(download.value.path()).read_bytes()


@pytest.fixture(scope="module")
def analyst_export(dashboard_url: str, browser) -> dict[tuple[str, str, str, str, str], dict[str, str]]:  # noqa: ANN001
    """The analyst indicator file as an analyst gets it on Eksport: key → row (texts as in the file)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="da-DK", accept_downloads=True)
    try:
        page = context.new_page()
        _login(page, dashboard_url, "Analytiker (Socialstyrelsen)")
        _open(page, "Eksport")
        data = _make_and_download(page, "Analytiker (intet skjult)", "indikatorer_analytiker.csv")
    finally:
        context.close()
    first_line, rows = read_indicator_csv(data)
    assert first_line.startswith("Målgruppe: analytiker i Socialstyrelsen")
    return {(r["kommunekode"], r["indsats"], r["period_type"], r["period"], r["indicator"]): r for r in rows}


def _number(text: str) -> float | None:
    return None if text == "" else float(text.replace(",", "."))


def test_eksport_offers_exactly_the_selected_audiences_file(dashboard_url: str, page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    _login(page, dashboard_url, "Analytiker (Socialstyrelsen)")
    _open(page, "Eksport")
    analyst = _make_and_download(page, "Analytiker (intet skjult)", "indikatorer_analytiker.csv")
    _audience(page, "Offentlig (små tal skjult)")  # switching audience
    expect(page.locator('[data-testid="stDownloadButton"]').filter(has_text="indikatorer_")).to_have_count(0)
    expect(page.get_by_text("Der er ikke lavet en fil til denne modtager endnu.")).to_be_visible()
    public = _make_and_download(page, "Offentlig (små tal skjult)", "indikatorer_offentlig.csv")
    expect(page.locator('[data-testid="stDownloadButton"]').filter(has_text="indikatorer_analytiker")).to_have_count(0)
    _shot(page, "eksport_offentlig")

    analyst_line, analyst_rows = read_indicator_csv(analyst)
    public_line, public_rows = read_indicator_csv(public)
    assert analyst.startswith("\ufeff".encode()) and public.startswith("\ufeff".encode())  # Danish Excel: BOM
    assert analyst_line.startswith("Målgruppe: analytiker") and "må ikke offentliggøres" in analyst_line
    assert public_line.startswith("Målgruppe: offentlig.") and "grænse 5" in public_line
    # the public file holds the public table's rows only (the catalog's publication grain); the analyst
    # file every row, those outside the grain marked not_public
    assert len(public_rows) == sum(r["public"] == "true" for r in analyst_rows) < len(analyst_rows)
    assert all(r["public"] == "true" for r in public_rows)
    hidden = [r for r in public_rows if r["suppressed"] == "true"]
    assert hidden and all((r["numerator"], r["denominator"], r["value"]) == ("", "", "") for r in hidden)
    # the analyst file holds the numbers the public file blanks, with the public policy's reason beside them
    assert any(r["suppressed"] == "true" and r["value"] != "" for r in analyst_rows)
    assert {r["suppression"] for r in analyst_rows} >= {"primary", "secondary", "not_public", ""}


# ---- the analyst on Nationalt overblik ------------------------------------------------------------------

def _matrix_cells(page) -> list[tuple[str, str, str, str]]:  # noqa: ANN001
    """(kommunekode, indsats, period, text shown) of the matrix 'Alle kommuner × indsatser'."""
    grid = _grids(page)[0]
    assert grid["headers"][:2] == ["Kommune", "Navn"], grid["headers"]
    # "MOVE (2026-09)" or, for a provisional period, "MOVE (2026-10, foreløbig)"
    columns = [re.fullmatch(r"(\w+) \(([^,)]+)(?:, [^)]*)?\)", h).groups() for h in grid["headers"][2:]]
    return [(row[0], indsats, period, text) for row in grid["rows"]
            for (indsats, period), text in zip(columns, row[2:], strict=True) if text]


@pytest.mark.parametrize(("label", "code", "period_name", "period_type"), [
    ("Opstartede forløb", "starts", "Måned", "month"),
    ("Gennemførelsesrate", "completion_rate", "Kvartal", "quarter"),
])
def test_analyst_sees_numbers_with_the_public_mark_on_nationalt(  # noqa: PLR0913
        dashboard_url: str, page, analyst_export: dict, labels: dict[str, str],  # noqa: ANN001
        label: str, code: str, period_name: str, period_type: str) -> None:
    _login(page, dashboard_url, "Analytiker (Socialstyrelsen)")
    _open(page, "Nationalt overblik")
    _choose(page, "Indikator", labels[code])
    _period(page, period_name)
    _shot(page, f"nationalt_{code}_{period_type}")
    cells = _matrix_cells(page)
    assert len(cells) >= 6, cells
    marked = 0
    for kommune, indsats, period, text in cells:
        assert text not in ("<5", "skjult", "ikke offentlig"), (kommune, indsats, text)  # analysts see the number
        truth = analyst_export[(kommune, indsats, period_type, period, code)]
        if text == "–":  # no value (a rate over no courses)
            assert truth["value"] == "", (kommune, indsats, truth)
            continue
        shown = SHOWN_WITH_MARK.fullmatch(text)
        assert shown, (kommune, indsats, text)
        value = _number(truth["value"])
        number = float(shown["number"].replace(".", "").replace(",", "."))
        expected = round(value * 100) if shown["unit"] == "%" else round(value)
        assert number == expected, (kommune, indsats, text, truth)
        # the mark beside it is the public policy's reason for that very cell, and only there
        assert shown["mark"] == MARK_TEXT.get(truth["suppression"]), (kommune, indsats, text, truth)
        marked += shown["mark"] is not None
    assert marked, "no cell on the page carries the public policy's mark"
    assert page.get_by_text("må ikke offentliggøres").first.is_visible()


# ---- the municipality: "<5" only where the truth is 1-4 -------------------------------------------------

def _check_small_marks(grids: list[dict], keys: dict[str, tuple[str, str, str]], labels: dict[str, str],
                       analyst_export: dict, where: str) -> int:
    """Every "<5" in a grid: a 'Hele landet' cell whose row names an indicator of `keys` (code → indsats,
    period type, period shown), true value 1-4 and hidden by the policy as a small number. Returns how many
    were checked."""
    checked = 0
    for grid in grids:
        for row in grid["rows"]:
            for header, text in zip(grid["headers"], row, strict=False):
                if "<5" not in text:
                    continue
                assert header == "Hele landet", (where, grid["headers"], row)  # own figures are never marked
                assert text == "<5", (where, row)
                name = row[0].lower()
                candidates = [c for c in keys if labels.get(c, c).lower().endswith(name)]
                assert candidates, (where, row)
                truths = [analyst_export[(NATIONAL, *keys[c], c)] for c in candidates]
                assert any(t["suppression"] == "primary" and 1 <= _number(t["value"]) <= 4 for t in truths), (
                    where, row, truths)
                checked += 1
    return checked


def _value_matches(text: str, truth: dict[str, str]) -> bool:
    """A shown number ("58 %", "1.234", "14 dage") against the file's value."""
    value = _number(truth["value"])
    shown = SHOWN_WITH_MARK.fullmatch(text)
    if shown is None or value is None:
        return False
    number = float(shown["number"].replace(".", "").replace(",", "."))
    return number == (round(value * 100) if shown["unit"] == "%" else round(value))


def _check_trend_marks(page, indsats: str, labels: dict[str, str], periods_by_name: dict[str, tuple[str, str]],  # noqa: ANN001
                       analyst_export: dict) -> dict[str, int]:
    """The national line of every 24-month trend on Overblik, point by point as a screen reader reads it: a
    hidden month reads "<5" only for a count of 1-4 the policy hides as small, "skjult" for every other
    hidden cell, and a shown number is the true one. Returns how many of each were checked."""
    seen = {"<5": 0, "skjult": 0, "number": 0}
    by_title = sorted(labels.items(), key=lambda item: -len(item[1]))
    for point in page.evaluate(CHART_POINTS_JS):
        parts = dict(part.split(": ", 1) for part in point["label"].split("; ") if ": " in part)
        if parts.get("Serie") != "Hele landet" or "Værdi" not in parts:
            continue
        title = point["title"] or ""
        code = next((c for c, name in by_title if title.startswith(name)), None)
        assert code, (title, point["label"])
        period_type, period = periods_by_name[parts.get("Måned") or parts["Periode"]]
        # a provisional national month adds its coverage: "26 % (foreløbig: 4 af 5 kommuner)"
        shown = re.sub(r" \(foreløbig[^)]*\)$", "", parts["Værdi"])
        rolled = "rullende 12 måneder" in title
        truth = analyst_export[(NATIONAL, indsats, period_type, period, code)]
        if shown == "<5":
            assert not rolled and truth["suppression"] == "primary" and 1 <= _number(truth["value"]) <= 4, (
                title, point["label"], truth)
            seen["<5"] += 1
        elif shown == "skjult":
            # a hidden month (or, for a rolling rate, a window holding one) that is no count of 1-4
            assert rolled or truth["suppression"] in ("secondary", "primary") and not (
                truth["suppression"] == "primary" and truth["denominator"] == ""), (title, point["label"], truth)
            seen["skjult"] += 1
        elif not rolled:
            assert truth["suppression"] == "" and _value_matches(shown, truth), (title, point["label"], truth)
            seen["number"] += 1
    return seen


def test_municipality_sees_lt5_only_where_the_true_value_is_1_to_4(  # noqa: C901 - one walk over the pages
        dashboard_url: str, page, analyst_export: dict, labels: dict[str, str]) -> None:  # noqa: ANN001
    from dashboard.formatting import period_label

    _login(page, dashboard_url, "Kommune")
    periods_by_name = {period_label(k[3]): (k[2], k[3]) for k in analyst_export}
    interventions = sorted({k[1] for k in analyst_export if k[0] == MUNICIPALITY})
    checked, end_reason_cells = 0, 0
    trend_points = {"<5": 0, "skjult": 0, "number": 0}
    for indsats in interventions:
        # Overblik in every period type: own figures in full, the national comparison through the policy
        _open(page, "Overblik")
        _choose(page, "Indsats", re.compile(f"^{indsats} "))
        for period_name in ("År", "Kvartal", "Måned"):
            _period(page, period_name)
            metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert not any("<5" in m or "skjult" in m for m in metrics), metrics  # its own numbers
            caption = page.get_by_text(re.compile(r"^Periode: ")).first.inner_text()
            # "Periode: september 2026" (" – landstallet er foreløbigt: …" when provisional)
            period_type, period = periods_by_name[caption.removeprefix("Periode: ").split(" – ")[0].strip()]
            keys = {k[4]: (indsats, period_type, period) for k in analyst_export
                    if k[:4] == (NATIONAL, indsats, period_type, period)}
            checked += _check_small_marks(_grids(page), keys, labels, analyst_export,
                                          f"Overblik {indsats} {period_name}")
        # the monthly trends (the same whatever period is chosen): the national line, point by point
        for kind, count in _check_trend_marks(page, indsats, labels, periods_by_name, analyst_export).items():
            trend_points[kind] += count
        # Resultater in every year: profile, end reasons, instruments beside the national level
        _open(page, "Resultater og målgruppe")
        _choose(page, "Indsats", re.compile(f"^{indsats} "))
        for year in _options(page, "År"):
            _choose(page, "År", re.compile(f"^{year}$"))
            keys = {k[4]: (indsats, "year", year) for k in analyst_export if k[:4] == (NATIONAL, indsats, "year", year)}
            grids = _grids(page)
            checked += _check_small_marks(grids, keys, labels, analyst_export, f"Resultater {indsats} {year}")
            # the end reasons, row by row: the mark is the policy's reason for the national cell
            for grid in grids:
                if not grid["headers"] or grid["headers"][0] != "Afslutningsårsag":
                    continue
                national = grid["headers"].index("Hele landet")
                for row in grid["rows"]:
                    code = next(c for c in keys if c.startswith("ended_reason_")
                                and labels[c].lower().endswith(row[0].lower()))
                    truth = analyst_export[(NATIONAL, indsats, "year", year, code)]
                    expected = MARK_TEXT.get(truth["suppression"])
                    assert row[national] == (expected or row[national]), (indsats, year, row, truth)
                    if expected is None:
                        assert row[national].replace(".", "") == truth["value"], (indsats, year, row, truth)
                    end_reason_cells += 1
    _shot(page, "kommune_resultater")
    assert checked + trend_points["<5"] >= 1, "no '<5' seen: the test proved nothing"
    assert trend_points["skjult"] >= 1 and trend_points["number"] >= 10, trend_points
    assert end_reason_cells >= 5


def test_municipality_is_told_what_is_published_for_whole_years_only(dashboard_url: str, page) -> None:  # noqa: ANN001
    """A figure the public table carries for whole years only (the catalog's publication grain) is no hidden
    point of a monthly line: Overblik leaves it out and says so, and says why there is no monthly line of
    comparable municipalities."""
    from playwright.sync_api import expect

    _login(page, dashboard_url, "Kommune")
    _open(page, "Overblik")
    expect(page.get_by_text(re.compile(r"^Andre kommuners tal offentliggøres kun for hele år")).first).to_be_visible()
    # the nation's target attainment is public by year only: no monthly national line, a caption instead
    expect(page.get_by_text(re.compile(r"^Hele landet: .+ offentliggøres kun for hele år, så der er ingen "
                                       r"landslinje pr\. måned\.$")).first).to_be_visible()
    _shot(page, "overblik_kun_hele_aar")
