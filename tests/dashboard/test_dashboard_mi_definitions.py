"""Om indikatorerne as a municipal leader reads it: for every indicator what it counts, from which fields of
the municipality's own files, and why it matters - all three from the dbt models' `meta.indicators`
(through marts.indicator_definitions), none missing on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from dashboard_fixture import OWN, login, page

from udbredelse import warehouse
from udbredelse.settings import Settings
from validation.contracts import (
    CourseContract,
    MeasurementContract,
    MilestoneContract,
    SessionContract,
    TargetContract,
)

INTERMEDIATE = Path(__file__).resolve().parents[2] / "dbt" / "models" / "intermediate"
PARTS = ("Hvad tæller den?", "Hvor kommer tallet fra?", "Hvorfor er den vigtig?")
MISSING = "Mangler – kontakt Socialstyrelsen."
# The columns of the municipality's files (the pandera contracts), plus cpr (read before the contract).
FILE_COLUMNS = {"cpr"} | {
    column for model in (CourseContract, SessionContract, MeasurementContract, TargetContract, MilestoneContract)
    for column in model.to_schema().columns
} - {"kommunekode", "indsats", "forloeb_id"}


def _meta_indicators() -> list[dict]:
    items = []
    for path in sorted(INTERMEDIATE.rglob("_*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            items += ((model.get("config") or {}).get("meta") or {}).get("indicators") or []
    return items


def test_every_indicator_definition_says_what_from_which_field_and_why() -> None:
    items = _meta_indicators()
    assert len(items) >= 30  # every area: recruitment, completion, fidelity, outcomes, implementation
    for item in items:
        for key in ("label", "definition", "fields", "why"):
            assert str(item.get(key) or "").strip(), f"{item['code']}: {key} mangler"
        named = [column for column in FILE_COLUMNS if column in item["fields"]]
        assert named, f"{item['code']}: nævner ingen kolonne fra kommunens filer: {item['fields']!r}"
        assert len(item["why"]) >= 40, f"{item['code']}: 'why' er for kort til at forklare noget"
        for text in (item["fields"], item["why"]):  # plain Danish for a reader: no code, no path
            assert not re.search(r"`|models/|\.(sql|yml|py)\b", text), (item["code"], text)
            stem = item["code"].split("<")[0]  # `register_` of a template, or the whole code
            assert not re.search(rf"(?<!\w){re.escape(stem)}" + ("" if stem.endswith("_") else r"(?!\w)"), text), \
                (item["code"], text)


def _instances(code: str) -> str:
    """A concrete code for a template (`starts_age_<band>` → `starts_age_x1`)."""
    return re.sub(r"<[^>]+>", "x1", code)


@pytest.fixture
def every_indicator_published(published: Settings) -> list[str]:
    """The test warehouse with a row for every defined indicator (templates made concrete), published."""
    codes = [_instances(item["code"]) for item in _meta_indicators()]
    con = warehouse.connect(published)
    try:
        con.execute("delete from marts.indicators where indicator in (select unnest(?))", [codes])
        con.executemany(
            "insert into marts.indicators (kommunekode, indsats, period_type, period, indicator, numerator, "
            "denominator, value, suppressed, suppression, quality) values (?, 'MOVE', 'year', '2026', ?, 1, 2, 0.5, "
            "false, null, 'god')", [(OWN, code) for code in codes])
    finally:
        con.close()
    warehouse.publish(published)
    return codes


def test_om_indikatorerne_shows_all_three_parts_for_every_indicator(every_indicator_published: list[str]) -> None:
    at = page(login("kommune", OWN), "om_indikatorerne")
    entries = [m.value for m in at.markdown if m.value.startswith("**")]
    published = len(set(every_indicator_published))
    assert len(entries) >= published  # the test warehouse's own codes come on top
    for entry in entries:
        assert MISSING not in entry, entry
        for title in PARTS:
            match = re.search(rf"\*{re.escape(title)}\* (.+)", entry)
            assert match and len(match.group(1).strip()) >= 10, (title, entry)
    text = "\n".join(entries)
    assert "startdato i forløbsfilen" in text and "afslutningsaarsag og slutdato i forløbsfilen" in text
    assert "models/" not in text and "completion_rate" not in text  # no file paths, no codes


def test_the_definitions_table_carries_fields_and_why_for_every_code(published: Settings) -> None:
    con = warehouse.connect_published(published)
    try:
        rows = con.execute("select indicator, source_fields, why_it_matters from marts.indicator_definitions "
                           "where indicator is not null").fetchall()
    finally:
        con.close()
    assert {r[0] for r in rows} == {item["code"] for item in _meta_indicators()}
    assert all(r[1] and r[2] for r in rows), [r[0] for r in rows if not (r[1] and r[2])]
