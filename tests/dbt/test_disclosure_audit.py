"""The disclosure audit (udbredelse.disclosure_audit): an attacker's integer program over the public table.

Hand-made tables where the answer is known: the audit must find what an attacker can work out and must
not complain about what is protected. Then the audit of the real build at S (outsider and insider)."""

from __future__ import annotations

import polars as pl
import pytest

from udbredelse.disclosure import DisclosurePolicy, Publication, apply_disclosure
from udbredelse.disclosure_audit import audit_published, hidden_count_share

SCHEMA = {"kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
          "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
          "suppressed": pl.Boolean, "suppression": pl.Utf8}


def table(rows: list[tuple]) -> pl.DataFrame:
    """rows: (kommunekode, indicator, numerator, denominator, value, mark) with mark None/'primary'/'secondary'."""
    return pl.DataFrame([
        {"kommunekode": k, "indsats": "MOVE", "period_type": "month", "period": "2026-01", "indicator": ind,
         "numerator": n, "denominator": d, "value": v, "suppressed": mark is not None, "suppression": mark}
        for k, ind, n, d, v, mark in rows], schema=SCHEMA, orient="row")


def count(k: str, indicator: str, n: int, mark: str | None = None) -> tuple:
    return (k, indicator, float(n), None, float(n), mark)


def test_a_lonely_hidden_cell_is_pinned_by_the_national_total() -> None:
    frame = table([count("101", "starts", 3, "primary"), count("147", "starts", 40), count("000", "starts", 43)])
    result = audit_published(frame, 5)
    assert result.disclosed == 1 and result.pinned == 1
    row = result.failures.row(0, named=True)
    assert (row["kommunekode"], row["low"], row["high"]) == ("101", 3.0, 3.0)


def test_a_secondary_cell_paired_with_a_primary_is_narrowed() -> None:
    # 3 ("<5") + x = 10: x lies in 6..9, a range 3 wide: the "skjult" cell is as good as published
    frame = table([count("101", "starts", 3, "primary"), count("151", "starts", 7, "secondary"),
                   count("147", "starts", 40), count("000", "starts", 50)])
    result = audit_published(frame, 5)
    failing = result.failures.filter(pl.col("kommunekode") == "151").row(0, named=True)
    assert (failing["low"], failing["high"]) == (6.0, 9.0)
    assert result.failures.filter(pl.col("kommunekode") == "101").is_empty()  # the "<5" still covers 1..4


def test_three_hidden_cells_in_one_sum_are_protected_and_an_insider_learns_more() -> None:
    frame = table([count("101", "starts", 3, "primary"), count("151", "starts", 7, "secondary"),
                   count("147", "starts", 40, "secondary"), count("000", "starts", 50)])
    assert audit_published(frame, 5).disclosed == 0
    # municipality 147 knows its own 40: then 3 + x = 10 again
    insider = audit_published(frame, 5, insider="147")
    assert insider.disclosed == 1 and insider.failures["kommunekode"].to_list() == ["151"]


def test_a_rate_denominator_publishes_the_hidden_count() -> None:
    # ended_completed is hidden, but the published fidelity_dosage has it as its denominator (equal in
    # every cell of the table: the audit finds the definition from the data)
    rows = []
    for k, completed, passed in (("101", 12, 9), ("147", 20, 15), ("151", 9, 7), ("153", 30, 20), ("155", 8, 8)):
        rows.append(count(k, "ended_completed", completed, "secondary" if k == "101" else None))
        rows.append((k, "fidelity_dosage", float(passed), float(completed), passed / completed, None))
    result = audit_published(table(rows), 5)
    assert result.failures.select("kommunekode", "indicator").rows() == [("101", "ended_completed")]


def test_the_policy_protects_a_small_table() -> None:
    frame = table([count("101", "starts", 3), count("147", "starts", 40), count("151", "starts", 9),
                   count("153", "starts", 25), count("000", "starts", 77)]).drop("suppressed", "suppression")
    # rules 1-4 alone pair the "<5" with one cell, which the mark narrows to a band 3 wide (9 + 3 = 12)
    paired = apply_disclosure(frame, threshold=5)
    assert paired["suppressed"].sum() == 2 and audit_published(paired, 5).disclosed == 1
    # rule 6 (the audit in the loop) first gives up the band: the 3 is shown "skjult" instead of "<5", so
    # 3 + 9 = 12 leaves both anywhere in 0..12; no third number needs hiding
    outsider = apply_disclosure(frame, threshold=5, policy=DisclosurePolicy(audit_rounds=10, audit_insiders=False))
    assert outsider.filter(pl.col("suppression") == "primary").is_empty()
    assert sorted(outsider.filter("suppressed")["value"].to_list()) == [3.0, 9.0]
    assert hidden_count_share(outsider) == 2 / 5
    assert audit_published(outsider, 5).disclosed == 0
    # 101 knows its 3, so it learns the 9: against every insider a third cell is hidden (the cheapest: 25)
    assert audit_published(outsider, 5, insider="101").disclosed == 1
    insiders = apply_disclosure(frame, threshold=5, policy=DisclosurePolicy(audit_rounds=10))
    assert sorted(insiders.filter("suppressed")["value"].to_list()) == [3.0, 9.0, 25.0]
    for kommune in ("101", "147", "151", "153"):
        assert audit_published(insiders, 5, insider=kommune).disclosed == 0, kommune


def test_rows_outside_the_public_grain_are_not_public_and_not_audited() -> None:
    grain = (Publication("core", kommune=("year",), national=("month", "year"), indicators=("starts",)),)
    frame = table([count("101", "starts", 3), count("147", "starts", 40), count("000", "starts", 43)]).drop(
        "suppressed", "suppression")
    out = apply_disclosure(frame, threshold=5, policy=DisclosurePolicy(publication=grain, audit_rounds=5))
    # municipal months are outside the grain: suppressed as 'not_public'; the national month is public
    assert out.filter(pl.col("kommunekode") != "000")["suppression"].to_list() == ["not_public", "not_public"]
    assert out.filter(pl.col("kommunekode") == "000").select("public", "suppressed").row(0) == (True, False)
    # the audit sees the public table only: the national 43 alone, nothing hidden to work out
    assert audit_published(out, 5).hidden_rows == 0


@pytest.fixture(scope="module")
def built_s(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Settings
    """The demo's S data generated, ingested, built and published (as `udbredelse demo` does)."""
    from udbredelse import pipeline
    from udbredelse.generate import generate
    from udbredelse.settings import get_settings

    settings = get_settings(home=tmp_path_factory.mktemp("audit_s"), mode="demo")
    settings.ensure_dirs()
    generate(scale="S", out=settings.inbox_dir, seed=42, settings=settings)
    pipeline.ingest(settings)
    pipeline.build(settings)
    return settings


@pytest.mark.slow
def test_audit_of_the_public_export_at_s(built_s) -> None:  # noqa: ANN001 - fixture
    """Issue 21's criterion on the demo build (S, seed 42): nothing in the public table can be worked out,
    by the public or by any municipality knowing all its own cells."""
    from udbredelse.disclosure_audit import audit_published_copy
    from udbredelse.export.published import published, read_table

    with published(built_s) as con:
        kommuner = read_table(con, "marts", "indicators")["kommunekode"].unique().to_list()
    result = audit_published_copy(built_s, insiders=len(kommuner), ilp_budget=60)
    outsider = result["outsider"]
    assert outsider["hidden_rows"] > 0 and outsider["unknowns"] > 0
    assert outsider["disclosed_cells"] == 0, outsider
    assert len(result["insiders"]) == len(kommuner) - 1  # every municipality, not the nation
    assert all(i["disclosed_cells"] == 0 for i in result["insiders"]), result["insiders"]
    # what the protection costs, as a ceiling that catches a regression (README "Disclosure control":
    # 55.4 % of the public count cells at S on 30-11-2026; the demo's counts are handfuls)
    assert 0 < result["hidden_count_share"] <= 0.58


def test_the_audit_writes_nothing_to_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    """stdout carries `udbredelse bench --json` and task results: the solver's banner must not reach it."""
    frame = table([count("101", "starts", 3, "primary"), count("151", "starts", 7, "secondary"),
                   count("147", "starts", 40, "secondary"), count("000", "starts", 50)])
    assert audit_published(frame, 5).disclosed == 0
    assert capfd.readouterr().out == ""
