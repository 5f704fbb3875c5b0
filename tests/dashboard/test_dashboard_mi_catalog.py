"""The municipality table: regions and size groups for comparable municipalities."""

from collections import Counter

from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import catalog_frames


def test_regions_have_their_municipalities() -> None:
    catalog = load_catalog()
    regions = Counter(m.regionsnavn for m in catalog.municipalities.values())
    # the five regions since 2007 (Danmarks Statistik's region codes 1081-1085)
    assert regions == {"Region Hovedstaden": 29, "Region Sjælland": 17, "Region Syddanmark": 22,
                       "Region Midtjylland": 19, "Region Nordjylland": 11}
    assert {m.regionskode for m in catalog.municipalities.values() if m.regionsnavn == "Region Sjælland"} == {"1085"}
    for code in ("253", "259", "265", "269"):  # Greve, Køge, Roskilde, Solrød
        assert catalog.municipalities[code].regionsnavn == "Region Sjælland"
    assert catalog.municipalities["615"].regionsnavn == "Region Midtjylland"  # Horsens


def test_every_municipality_has_a_size_group() -> None:
    catalog = load_catalog()
    frame = catalog_frames(catalog, 5)["municipalities"]
    assert frame.height == 98
    assert frame["size_group"].null_count() == 0 and frame["size_group_label"].null_count() == 0
    groups = dict(zip(frame["kommunekode"], frame["size_group"], strict=True))
    assert groups["101"] == "o100" and groups["825"] == "u30" and groups["151"] == "50_75"
    # every group has at least a few members to compare with
    assert min(Counter(groups.values()).values()) >= 5


def test_size_group_boundaries_follow_the_catalog() -> None:
    catalog = load_catalog()
    bounds = sorted(g["from"] for g in catalog.common["municipality_size_groups"])
    for code, municipality in catalog.municipalities.items():
        group = catalog.size_group(code)
        upper = [b for b in bounds if b > group["from"]]
        assert municipality.indbyggere >= group["from"]
        assert not upper or municipality.indbyggere < upper[0]
