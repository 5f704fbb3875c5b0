"""The disclosure policy's composite rule (rule 5): the fidelity index is hidden when every fidelity rule
it is made of is hidden, and only then; the rows it hides are honest 'secondary' marks."""

from __future__ import annotations

import polars as pl

from udbredelse.disclosure import apply_disclosure

SCHEMA = {
    "kommunekode": pl.Utf8, "indsats": pl.Utf8, "period_type": pl.Utf8, "period": pl.Utf8,
    "indicator": pl.Utf8, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64,
}


def rate(k: str, indicator: str, passed: int, checked: int) -> dict:
    return {"kommunekode": k, "indsats": "MOVE", "period_type": "month", "period": "2026-02", "indicator": indicator,
            "numerator": float(passed), "denominator": float(checked),
            "value": passed / checked if checked else None}


def fidelity(k: str, rules: dict[str, tuple[int, int]]) -> list[dict]:
    rows = [rate(k, f"fidelity_rule_{code}", p, c) for code, (p, c) in rules.items()]
    passed, checked = sum(p for p, _ in rules.values()), sum(c for _, c in rules.values())
    return [*rows, rate(k, "fidelity_index", passed, checked)]


def verdicts(rows: list[dict]) -> dict[tuple[str, str], tuple[bool, str | None]]:
    out = apply_disclosure(pl.DataFrame(rows, schema=SCHEMA), threshold=5)
    return {(r["kommunekode"], r["indicator"]): (r["suppressed"], r["suppression"]) for r in out.iter_rows(named=True)}


def test_index_is_hidden_when_every_rule_under_it_is() -> None:
    # both rules of 101 rest on 3 and 4 courses (hidden); the index's 7 checks alone would pass rule 1
    result = verdicts(fidelity("101", {"a": (2, 3), "b": (3, 4)}) + fidelity("102", {"a": (15, 20), "b": (20, 30)}))
    assert result[("101", "fidelity_rule_a")] == (True, "secondary")
    assert result[("101", "fidelity_rule_b")] == (True, "secondary")
    assert result[("101", "fidelity_index")] == (True, "secondary")
    assert result[("102", "fidelity_index")] == (False, None)


def test_index_stays_when_a_rule_is_published_or_checked_nothing() -> None:
    # a rule with no checks counts nothing and does not keep the index visible nor hide it
    result = verdicts(fidelity("101", {"a": (2, 3), "b": (15, 20)})
                      + fidelity("102", {"a": (6, 9), "b": (7, 9), "c": (0, 0)}))
    assert result[("101", "fidelity_rule_a")][0] and not result[("101", "fidelity_rule_b")][0]
    assert result[("101", "fidelity_index")] == (False, None)  # rule b is published beside it
    # 13 of 18 checks would pass rule 1, but both counting rules are hidden (9 - 6 and 9 - 7 are small)
    assert result[("102", "fidelity_rule_c")] == (False, None)
    assert result[("102", "fidelity_index")] == (True, "secondary")
