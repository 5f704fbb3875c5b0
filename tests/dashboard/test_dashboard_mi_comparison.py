"""The comparison group on Overblik: the same region and size group, widened step by step (the region, the size
group, all other municipalities) until at least the catalog's minimum of other municipalities report the
intervention; named in Danish; built from the public verdicts only."""

from __future__ import annotations

from statistics import median

import pytest
from dashboard_fixture import OWN, build_test_warehouse

from dashboard import queries, store
from dashboard.viewer import AccessDenied, Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings

ANALYST = Viewer(role="analyst")
BALLERUP = "151"  # Region Hovedstaden, 50.000–74.999 indbyggere; the test warehouse has 101 and 147 (Hovedstaden)


def _reporting(settings: Settings, rows: list[tuple[str, float, bool]]) -> None:
    """Municipalities reporting MOVE: one completion_rate month each (value, suppressed)."""
    build_test_warehouse(settings)
    con = warehouse.connect(settings)
    try:
        if rows:
            con.executemany("insert into marts.indicators (kommunekode, indsats, period_type, period, indicator, "
                            "numerator, denominator, value, suppressed, quality) values (?, 'MOVE', 'month', "
                            "'2026-01', 'completion_rate', ?, 10, ?, ?, 'god')",
                            [(k, value * 10, value, hidden) for k, value, hidden in rows])
    finally:
        con.close()
    warehouse.publish(settings)
    store.clear_caches()


@pytest.mark.parametrize(("others", "level", "label", "widened"), [
    (["167", "219", "169"], "region+size", "Kommuner i Region Hovedstaden med 50.000–74.999 indbyggere", False),
    (["155"], "region", "Kommuner i Region Hovedstaden", True),  # 101, 147 and Dragør: the region
    (["253", "259", "316"], "size", "Kommuner med 50.000–74.999 indbyggere", True),  # the region has only 2
    (["461", "751"], "all", "Alle øvrige kommuner med indsatsen", True),
])
def test_the_group_widens_until_enough_municipalities_report(settings: Settings, others: list[str], level: str,
                                                             label: str, widened: bool) -> None:
    _reporting(settings, [(k, 0.5, False) for k in others])
    group = queries.comparison_group(ANALYST, "MOVE", BALLERUP)
    assert (group["level"], group["label"], group["widened"]) == (level, label, widened)
    assert len(group["members"]) >= 3 and BALLERUP not in group["members"]
    assert group["first_label"] == "Kommuner i Region Hovedstaden med 50.000–74.999 indbyggere"


def test_no_group_when_fewer_than_the_minimum_report(settings: Settings) -> None:
    _reporting(settings, [])  # only 101 and 147 report besides nobody
    assert queries.comparison_group(ANALYST, "MOVE", BALLERUP) == {}
    assert queries.comparable_medians(ANALYST, "MOVE", BALLERUP, ("completion_rate",)).empty


def test_a_municipality_gets_the_median_of_public_figures_only(settings: Settings) -> None:
    # København's region-and-size group is Frederiksberg alone: widened to the region, where Dragør's figure
    # is suppressed (the public verdict) and must not count, whoever asks.
    _reporting(settings, [("151", 0.2, False), ("153", 0.4, False), ("155", 0.99, True), ("157", 0.6, False)])
    kommune = Viewer(role="kommune", kommunekode=OWN)
    group = queries.comparison_group(kommune, "MOVE", OWN)
    assert group["label"] == "Kommuner i Region Hovedstaden" and group["widened"]
    frame = queries.comparable_medians(kommune, "MOVE", OWN, ("completion_rate",))
    january = frame[frame["period"] == "2026-01"]
    assert january["value"].tolist() == [pytest.approx(0.4)] and january["members"].tolist() == [3]
    assert 0.99 not in frame["value"].tolist()
    with pytest.raises(AccessDenied):
        queries.comparison_group(kommune, "MOVE", "147")
    # Socialstyrelsen's analysts see every aggregate exactly (scope.sees_exact), so their median is over all five.
    con = warehouse.connect_published(settings)
    try:
        exact = [r[0] for r in con.execute(
            "select value from marts.indicators where indsats = 'MOVE' and period_type = 'month' and period = '2026-01' "
            "and indicator = 'completion_rate' and kommunekode in ('147', '151', '153', '155', '157')").fetchall()]
    finally:
        con.close()
    analyst = queries.comparable_medians(ANALYST, "MOVE", OWN, ("completion_rate",))
    january = analyst[analyst["period"] == "2026-01"]
    assert january["members"].tolist() == [5] and january["value"].tolist() == [pytest.approx(median(exact))]


def test_size_groups_are_robust_to_the_populations_precision() -> None:
    """kommuner.csv's populations are approximate (common.yaml: ±5 %, not FOLK1A): a municipality within that
    margin of a group's bounds counts as similar in size, so a figure just across a boundary never splits
    municipalities of the same size; without the margin the groups are the bands themselves."""
    from udbredelse.catalog import load_catalog

    catalog = load_catalog()
    assert catalog.common["municipality_population_precision"] == 0.05
    people = {k: m.indbyggere for k, m in catalog.municipalities.items()}
    assert catalog.size_group("615")["code"] == "75_100" and people["615"] >= 0.95 * 100_000  # Horsens
    assert "615" in catalog.size_peers("751")  # Horsens may be a 100.000+ municipality like Aarhus
    assert "163" in catalog.size_peers("165")  # Herlev (30.000) may be under 30.000 like Albertslund
    assert "482" not in catalog.size_peers("101") and "101" not in catalog.size_peers("482")
    for code in catalog.municipalities:  # every peer lies within the margin of the group's bounds
        group = catalog.size_group(code)
        bounds = sorted(g["from"] for g in catalog.common["municipality_size_groups"])
        upper = next((b for b in bounds if b > group["from"]), float("inf"))
        for peer in catalog.size_peers(code):
            assert group["from"] <= people[peer] * 1.05 and people[peer] * 0.95 < upper, (code, peer)
    exact = catalog.model_copy(update={"common": {**catalog.common, "municipality_population_precision": 0}})
    for code in ("615", "165", "101"):
        assert exact.size_peers(code) == {k for k in catalog.municipalities
                                          if k != code and exact.size_group(k) == exact.size_group(code)}
