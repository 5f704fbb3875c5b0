"""marts.indicators, fidelity and course hygiene from a real dbt build, against values worked out by hand.

The rows are in conftest.py. By hand, for MOVE in 101 (current snapshot c101_mar, reporting date
2026-03-31; course 'gone' exists only in the replaced snapshot):
  a: referred 01-05, started 01-10, completed 03-31 (a period's last day), 12 sessions, 80 days, waits 5
  b: no referral date, started 02-01, active, 3 sessions
  c: referred 02-10, started 02-12, interrupted 03-01 (udeblevet), 17 days -> early drop-out, waits 2
  d: referred 01-20, started 01-25, completed 02-28 (February's last day), 9 sessions, 34 days, waits 5
  e: referred 03-05, not started
  f: referred 2025-04-20, started 2025-05-01, still active -> older than 270 days at 2026-03-31
and in 147: x started 01-03 (waits 1), active; y started 01-20 (waits 10), completed 03-15, 54 days.
"""

from __future__ import annotations

import polars as pl
import pytest

from udbredelse.disclosure import DisclosurePolicy, recomputable_cells, visible_small_counts


def value_of(con, kommune: str, period_type: str, period: str, indicator: str) -> tuple:
    row = con.cursor().execute(
        "select numerator, denominator, value, suppressed from marts.indicators "
        "where kommunekode = ? and indsats = 'MOVE' and period_type = ? and period = ? and indicator = ?",
        [kommune, period_type, period, indicator],
    ).fetchone()
    assert row is not None, f"no row for {kommune} {period_type} {period} {indicator}"
    return row


def test_build_summary(built) -> None:
    _, summary, _ = built
    assert summary["counts"].get("error", 0) == 0 and summary["counts"].get("fail", 0) == 0
    assert summary["nodes"] > 0 and summary["elapsed_seconds"] > 0
    assert "dbt build ok" in summary["summary"]


@pytest.mark.parametrize(
    ("kommune", "period_type", "period", "indicator", "expected"),
    [
        # counts per month and quarter, 101
        ("101", "month", "2026-01", "starts", 2),              # a, d ('gone' replaced)
        ("101", "month", "2026-02", "starts", 2),              # b, c
        ("101", "quarter", "2026-Q1", "starts", 4),
        ("101", "year", "2025", "starts", 1),                  # f
        ("101", "quarter", "2026-Q1", "referrals", 4),         # a, c, d, e (b has no referral date)
        ("101", "month", "2026-02", "active_end", 4),          # a, b, c, f (d ended on 02-28)
        ("101", "quarter", "2026-Q1", "active_end", 2),        # b, f (a ended on 03-31)
        ("101", "month", "2026-02", "ended_completed", 1),     # d, on the month's last day
        ("101", "quarter", "2026-Q1", "ended_completed", 2),
        ("101", "quarter", "2026-Q1", "ended_interrupted", 1),
        ("101", "quarter", "2026-Q1", "overdue_active", 1),    # f
        ("101", "quarter", "2026-Q1", "ended_reason_udeblevet", 1),
        ("101", "quarter", "2026-Q1", "starts_sex_m", 2),      # a, d
        ("101", "quarter", "2026-Q1", "starts_age_15_17", 3),  # a 16, b 17, d 15
        ("101", "quarter", "2026-Q1", "starts_reason_rusmiddel", 2),
        # national total = the sum of municipalities
        ("000", "quarter", "2026-Q1", "starts", 6),
        ("000", "quarter", "2026-Q1", "referrals", 6),
        ("000", "quarter", "2026-Q1", "active_end", 3),        # b, f, x
        ("000", "quarter", "2026-Q1", "ended_completed", 3),   # a, d, y
    ],
)
def test_counts_by_hand(built, kommune, period_type, period, indicator, expected) -> None:
    _, _, con = built
    numerator, denominator, value, _ = value_of(con, kommune, period_type, period, indicator)
    assert value == expected and numerator == expected and denominator is None


@pytest.mark.parametrize(
    ("kommune", "period_type", "period", "indicator", "numerator", "denominator", "expected"),
    [
        ("101", "quarter", "2026-Q1", "completion_rate", 2, 3, 2 / 3),
        ("101", "quarter", "2026-Q1", "early_dropout_rate", 1, 3, 1 / 3),
        ("101", "quarter", "2026-Q1", "conversion_referral_start", 3, 4, 3 / 4),  # e not started
        ("101", "quarter", "2026-Q1", "waiting_within_limit", 3, 3, 1.0),
        ("101", "quarter", "2026-Q1", "duration_days_median", None, 2, 57.0),     # 80, 34
        ("101", "quarter", "2026-Q1", "waiting_days_median", None, 3, 5.0),       # 5, 2, 5
        ("101", "month", "2026-01", "target_attainment_ytd", 2, 10, 0.2),
        ("101", "month", "2026-02", "target_attainment_ytd", 4, 10, 0.4),
        ("101", "quarter", "2026-Q1", "fidelity_dosage", 1, 2, 0.5),              # a 12 in 10-14; d 9 not
        ("101", "quarter", "2026-Q1", "fidelity_duration", 2, 2, 1.0),
        ("101", "quarter", "2026-Q1", "fidelity_rule_intensity_start", 1, 3, 1 / 3),  # a yes; b, d no; c not checked
        ("101", "quarter", "2026-Q1", "fidelity_rule_ungmap_screening", 3, 4, 0.75),
        ("101", "quarter", "2026-Q1", "fidelity_rule_measurement", 1, 2, 0.5),
        ("101", "quarter", "2026-Q1", "fidelity_rule_caseload", 1, 1, 1.0),
        ("101", "quarter", "2026-Q1", "fidelity_index", 9, 14, 9 / 14),
        ("000", "quarter", "2026-Q1", "completion_rate", 3, 4, 3 / 4),
        ("000", "quarter", "2026-Q1", "duration_days_median", None, 3, 54.0),     # 80, 34, 54
        ("000", "quarter", "2026-Q1", "waiting_days_median", None, 5, 5.0),       # 5, 2, 5, 1, 10
        ("000", "quarter", "2026-Q1", "target_attainment_ytd", 4, 10, 0.4),       # only 101 has a target
        # zero denominators: empty value
        ("147", "month", "2026-01", "completion_rate", 0, 0, None),
        ("147", "month", "2026-01", "duration_days_median", None, 0, None),
        ("147", "month", "2026-01", "target_attainment_ytd", 2, None, None),      # no target
    ],
)
def test_rates_and_medians_by_hand(built, kommune, period_type, period, indicator, numerator, denominator,
                                   expected) -> None:
    _, _, con = built
    got_n, got_d, got_value, _ = value_of(con, kommune, period_type, period, indicator)
    assert (got_n, got_d) == (numerator, denominator)
    assert got_value == (pytest.approx(expected) if expected is not None else None)


def test_indicator_table_shape(built) -> None:
    _, _, con = built
    frame = con.cursor().sql("select * from marts.indicators").pl()
    assert frame.columns == ["kommunekode", "indsats", "period_type", "period", "indicator", "numerator",
                             "denominator", "value", "public", "suppressed", "suppression", "quality"]
    assert set(frame["period_type"].unique()) == {"month", "quarter", "year"}
    # the honest mark: "<5" (primary) only on a hidden count of 1..4, "skjult" (secondary) on the rest; in a
    # table this small the policy gives up every band (a "<5" beside one hidden partner narrows it), so
    # small counts are hidden as "skjult"
    marked = frame.filter(pl.col("suppressed"))
    primary = marked.filter(pl.col("suppression") == "primary")
    assert primary["denominator"].is_null().all() and primary["value"].is_between(1, 4).all()
    small = marked.filter(pl.col("public") & pl.col("denominator").is_null() & pl.col("value").is_between(1, 4))
    assert small.height and small["suppression"].is_in(["primary", "secondary"]).all()
    assert set(marked["suppression"].unique()) <= {"primary", "secondary", "not_public"}
    # the public table's grain (catalog `publication`): no municipal month row is public; every row
    # outside the grain is suppressed with the mark 'not_public'
    assert not frame.filter((pl.col("kommunekode") != "000") & (pl.col("period_type") == "month"))["public"].any()
    assert frame.filter(~pl.col("public"))["suppression"].eq("not_public").all()
    assert frame.filter(~pl.col("suppressed"))["suppression"].is_null().all()
    counts = frame.filter(pl.col("denominator").is_null() & pl.col("value").is_not_null())
    assert (counts["value"] == counts["value"].round(0)).all()
    rates = frame.filter(pl.col("indicator").is_in(["completion_rate", "fidelity_index", "conversion_referral_start"]))
    assert rates["value"].drop_nulls().is_between(0, 1).all()
    # periods reported: 101 from April 2025 (f's referral) to March 2026; 147 from January 2026
    months_101 = frame.filter((pl.col("kommunekode") == "101") & (pl.col("period_type") == "month"))["period"]
    assert months_101.min() == "2025-04" and months_101.max() == "2026-03"
    # the quality badge comes from marts.dq_scorecard for the municipalities' rows
    assert frame.filter(pl.col("kommunekode") == "101")["quality"].is_in(["god", "middel", "svag"]).all()
    months_147 = frame.filter((pl.col("kommunekode") == "147") & (pl.col("period_type") == "month"))["period"]
    assert months_147.min() == "2026-01"


def test_disclosure_applied_in_the_build(built) -> None:
    settings, _, con = built
    # the public table (rows outside the publication grain are suppressed as 'not_public' and take no part)
    frame = con.cursor().sql("select * from marts.indicators where public").pl()
    threshold = settings.suppression_threshold
    # small cells exist and are suppressed; no count 1..4 is visible to the public
    assert value_of(con, "101", "quarter", "2026-Q1", "starts")[3] is True
    assert value_of(con, "101", "quarter", "2026-Q1", "completion_rate")[3] is True
    assert visible_small_counts(frame, threshold).is_empty()
    # no suppressed cell can be recomputed from a total minus the others
    assert recomputable_cells(frame, DisclosurePolicy(threshold=threshold)).is_empty()
    # independently of the policy's own audit: for each count, the national total and its municipalities
    # (where both are public: municipalities publish years only), and a quarter and its months, never have
    # exactly one suppressed cell (total minus the others)
    lonely_national = con.cursor().sql("""
        select indsats, period_type, period, indicator
        from marts.indicators
        where public and denominator is null and value is not null
        group by all
        having count(*) > 1 and count(*) filter (where suppressed) = 1
    """).fetchall()
    assert lonely_national == []
    lonely_quarter = con.cursor().sql("""
        with months as (
            select kommunekode, indsats, indicator, left(period, 4) || '-Q' || cast((cast(right(period, 2) as int) + 2) // 3 as varchar) as quarter,
                   sum(value) as month_sum, count(*) filter (where suppressed) as hidden_months
            from marts.indicators where public and period_type = 'month' and denominator is null and value is not null
            group by all
        )
        select months.*
        from months
        join marts.indicators q
          on q.kommunekode = months.kommunekode and q.indsats = months.indsats and q.indicator = months.indicator
         and q.period_type = 'quarter' and q.period = months.quarter
        where q.public and q.value = months.month_sum and months.hidden_months + cast(q.suppressed as int) = 1
    """).fetchall()
    assert lonely_quarter == []
    # the publication grain: nationally in Q1, 5 of the 6 starts were 15-17 and 1 was 18-24 (c); the
    # categories are published by year only, so the quarter's are not public at all
    public = dict(con.cursor().execute(
        "select indicator, public from marts.indicators where kommunekode = '000' and period = '2026-Q1' "
        "and indicator in ('starts', 'starts_age_18_24', 'starts_age_15_17')").fetchall())
    assert public == {"starts": True, "starts_age_18_24": False, "starts_age_15_17": False}
    # the public table passes the attacker's audit (rule 6), as the public and as each municipality
    from udbredelse.disclosure_audit import audit_published

    # the audit reads the whole table (it keeps the public rows; an insider also knows its own other rows)
    table = con.cursor().sql("select * from marts.indicators").pl()
    assert audit_published(table, threshold).disclosed == 0
    assert all(audit_published(table, threshold, insider=k).disclosed == 0 for k in ("101", "147"))


def test_fidelity_rule_summary(built) -> None:
    _, _, con = built
    rows = {r[0]: r[1:] for r in con.cursor().execute(
        "select rule_code, checked, passed, adherence, light, guidance from marts.fidelity_rule_summary "
        "where kommunekode = '101' and indsats = 'MOVE' and period_type = 'quarter' and period = '2026-Q1'"
    ).fetchall()}
    assert rows["dosage"][:4] == (2, 1, 0.5, "rød")
    assert rows["duration"][:4] == (2, 2, 1.0, "grøn")
    assert rows["ungmap_screening"][:4] == (4, 3, 0.75, "gul")
    assert rows["indeks"][:2] == (14, 9)
    assert all(guidance for *_, guidance in rows.values())
    suppressed = dict(con.cursor().execute(
        "select rule_code, suppressed from marts.fidelity_rule_summary where kommunekode = '101' "
        "and period_type = 'quarter' and period = '2026-Q1'").fetchall())
    assert suppressed["dosage"] is True  # 2 checks: hidden outside 101's own view, as in marts.indicators
    empty = con.cursor().execute(
        "select checked, adherence, light from marts.fidelity_rule_summary where kommunekode = '147' "
        "and period_type = 'quarter' and period = '2026-Q1' and rule_code = 'caseload'").fetchone()
    assert empty == (0, None, None)


def test_fidelity_by_course(built) -> None:
    _, _, con = built
    rows = dict(con.cursor().execute(
        "select forloeb_id || ':' || rule_code, is_passed from marts.fidelity_by_course where kommunekode = '101'"
    ).fetchall())
    assert rows["a:dosage"] is True and rows["d:dosage"] is False
    assert rows["b:ungmap_screening"] is False and rows["b:caseload"] is True
    assert "c:intensity_start" not in rows  # interrupted inside the window


def test_course_attention(built) -> None:
    _, _, con = built
    issues = set(con.cursor().execute("select kommunekode, forloeb_id, issue_code from marts.course_attention").fetchall())
    assert ("101", "f", "aktiv_over_maks_varighed") in issues
    assert ("101", "d", "manglende_maaling") in issues and ("147", "y", "manglende_maaling") in issues
    assert ("101", "a", "manglende_maaling") not in issues
    # running for 30 days or more without a start measurement: b (since 02-01), f, x; not yet e (not started)
    assert {("101", "b", "manglende_maaling"), ("101", "f", "manglende_maaling"),
            ("147", "x", "manglende_maaling")} <= issues
    assert ("101", "e", "manglende_maaling") not in issues
    assert not any(forloeb == "gone" for _, forloeb, _ in issues)
    labels = con.cursor().execute("select distinct issue_label from marts.course_attention").fetchall()
    assert all(label for (label,) in labels)


def test_build_failure_names_the_failing_node(built, tmp_path) -> None:
    """A broken warehouse makes run_dbt_build raise with the failing node in the message."""
    from udbredelse.settings import get_settings
    from udbredelse.transform import run_dbt_build

    settings = get_settings(home=tmp_path / "broken", mode="demo")
    settings.ensure_dirs()
    # raw schema exists but the catalog was never written: the catalog staging views cannot build
    import duckdb

    from udbredelse import warehouse

    warehouse.connect(settings).close()
    with pytest.raises(RuntimeError, match="stg_catalog__"):
        run_dbt_build(settings, select="stg_catalog__interventions")
    assert duckdb  # imported for the connection above
