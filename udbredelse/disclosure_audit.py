"""An attacker's audit of the public indicator table: can any hidden number be worked out?

For every number a suppressed row hides (a count, or a rate's / median's people numerator and
denominator) the audit solves the smallest and the largest value it can take, as an integer linear
program (scipy.optimize.milp, HiGHS), given every published number and every relation an outsider
knows from the definitions (README "The indicator table"):

- national `000` = the sum of the municipalities (every count, numerator and denominator);
- a quarter = the sum of its months and a year = the sum of its quarters for flows; = the last one for
  stocks (which of the two an indicator follows is read from the data: the relation that always holds);
- category breakdowns sum to their total and `ended_total` = its parts (the margins of
  `udbredelse.disclosure.DisclosurePolicy`); the instrument partitions; the fidelity index's numerator
  and denominator = the sums of its rules';
- every numerator and denominator equal to another published component of the same cell (a rate's
  denominator is `starts`, a median's is `ended_completed`, ...): found as the pairs of components
  that are equal in every cell of the table, so the audit needs no list of them;
- the stock-flow identity active_end(t) = active_end(t-1) + starts(t) - ended_total(t);
- year-to-date: target_attainment_ytd's numerator (t) = that of t-1 in the same year + starts(t);
- the projection's arithmetic: target_projection_year_end's numerator x days_elapsed / days_in_year =
  the year-to-date starts (the factor is the same for every municipality in a period);
- the inequalities: a share's numerator <= its denominator, overdue_active <= active_end, all >= 0;
- what the marks say: a count marked "<5" (suppression = 'primary') lies in 1..threshold-1.

Every relation is used only where it holds in the true numbers (it is a definition, so it does;
a template that does not hold somewhere is not known to an attacker there).

The insider variant adds one municipality's own cells (it knows them all) as published.

Criterion (issue 21): no hidden number may be pinned to one value; a hidden number whose true value is
1..threshold-1 (shown as "<5") keeps a feasible range covering 1..threshold-1; any other hidden
number (shown as "skjult") keeps a feasible range at least `threshold` wide (max - min >= threshold).
Two readings added. For an insider, a national number is judged by what the others contribute
(national minus its own: it knows the national number is at least its own, and learns nothing of the
others from that); a national number equal to its own is not counted (the others' zeros are what the
policy publishes anyway). A "skjult" zero that a published "<5" bounds (a part of a total shown "<5") cannot
have a range `threshold` wide whatever is hidden; it passes when its range covers all of
0..threshold-1, i.e. the attacker learns no more than the "<5" beside it says.

How it stays fast: equal components are merged into one unknown (union-find); the problem splits into
connected components; the true numbers and a few integer solves with combined objectives (all low,
all high, random directions) witness most ranges at once; only the unknowns the witnesses do not
settle get their own min and max solves.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from udbredelse.disclosure import (
    NATIONAL,
    DisclosurePolicy,
    parent_period,
    previous_period,
    round_published,
)

CELL = ["kommunekode", "indsats", "period_type", "period"]
KEY = [*CELL, "indicator"]
CAP = 10**7  # an upper bound for unknowns no relation bounds (the attacker's "anything")
MIN_EVIDENCE = 5  # cells with a nonzero value before two components count as equal by definition
HOPS = 4  # how far the protection loop looks for a published row that binds a failing number
STOCK_SHARE = 0.99  # share of instances a period relation must hold in to be taken as the definition


@dataclass
class AuditResult:
    """What the audit found. `failures`: one row per hidden number that breaks the criterion."""

    hidden_rows: int
    unknowns: int  # hidden numbers after merging equal ones
    failures: pl.DataFrame
    seconds: float
    solves: int
    relations: int
    insider: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    # the published rows that bind a failing number (members of a relation it takes part in, or equal
    # to it): (failing, relation, unknowns, KEY..., v); what the protection loop hides next
    binding: pl.DataFrame | None = None
    # hidden rows every number of which is proven pinned (equal to a published number, or min = max of
    # the LP relaxation, a valid bound for the integer problem): publishing them tells nobody anything
    pinned_rows: pl.DataFrame | None = None

    @property
    def disclosed(self) -> int:
        """Hidden rows (cells) with at least one number that breaks the criterion."""
        return self.failures.select(KEY).unique().height if self.failures.height else 0

    @property
    def pinned(self) -> int:
        return self.failures.filter(pl.col("low") == pl.col("high")).select(KEY).unique().height \
            if self.failures.height else 0

    def summary(self) -> dict[str, Any]:
        return {"insider": self.insider, "hidden_rows": self.hidden_rows, "unknowns": self.unknowns,
                "disclosed_cells": self.disclosed, "pinned_cells": self.pinned, "solves": self.solves,
                "relations": self.relations, "seconds": round(self.seconds, 2), **self.stats}


# ---- the components: every whole number about people that a row publishes -------------------------------

def _components(frame: pl.DataFrame, policy: DisclosurePolicy) -> pl.DataFrame:
    exempt = [c for c in frame["indicator"].unique().to_list() if policy.is_exempt(c)]
    followers = [spec.indicator for spec in policy.follows]
    rows = frame.filter(~pl.col("indicator").is_in(exempt)).with_columns(
        (pl.col("denominator").is_null() & pl.col("value").is_not_null()).alias("is_count"))
    whole = lambda c: pl.when(pl.col(c) == pl.col(c).round(0)).then(pl.col(c).round(0).cast(pl.Int64))  # noqa: E731
    base = [*KEY, "hidden", "mark", "is_count", "released"]
    counts = rows.filter(pl.col("is_count")).select(*base, pl.lit("n").alias("comp"), whole("value").alias("v"))
    derived = rows.filter(~pl.col("is_count") & ~pl.col("indicator").is_in(followers))
    numerators = derived.select(*base, pl.lit("n").alias("comp"), whole("numerator").alias("v"))
    denominators = derived.filter(~pl.col("indicator").is_in(list(policy.denominator_not_people))).select(
        *base, pl.lit("d").alias("comp"), whole("denominator").alias("v"))
    parts = [counts, numerators, denominators]
    for spec in policy.follows:  # a scaled count: in units of the count it scales (the factor per period)
        scaled = rows.filter(pl.col("indicator") == spec.indicator)
        base_n = rows.filter(pl.col("indicator") == spec.base).select(*CELL, pl.col("numerator").alias("_b"))
        joined = scaled.join(base_n, on=CELL, how="left")
        factor = joined.filter(pl.col("_b") > 0).group_by("indsats", "period_type", "period").agg(
            (pl.col("numerator") / pl.col("_b")).median().alias("_f"))
        joined = joined.join(factor, on=["indsats", "period_type", "period"], how="left")
        parts.append(joined.select(
            *base, pl.lit("n").alias("comp"),
            pl.when(pl.col("numerator") == 0).then(0).otherwise((pl.col("numerator") / pl.col("_f")).round(0))
            .cast(pl.Int64).alias("v")))
    comps = pl.concat(parts).filter(pl.col("v").is_not_null())
    return comps.sort([*KEY, "comp"]).with_row_index("cid").with_columns(pl.col("cid").cast(pl.Int64))


# ---- the relations -------------------------------------------------------------------------------------

def _group(frame: pl.DataFrame, tag: str, key: list[str]) -> pl.DataFrame:
    """(gkey, cid, coef, v) with gkey a hash of the tag and key columns."""
    return frame.select(pl.struct([pl.lit(tag).alias("_t"), *key]).hash(seed=3).alias("gkey"), "cid", "coef", "v")


def _holding(members: pl.DataFrame) -> pl.DataFrame:
    ok = members.group_by("gkey").agg((pl.col("coef") * pl.col("v")).sum().alias("b"), pl.len().alias("size"))
    return members.join(ok.filter((pl.col("b") == 0) & (pl.col("size") >= 2)).select("gkey"), on="gkey", how="semi")


def _period_relations(comps: pl.DataFrame) -> list[pl.DataFrame]:
    periods = comps.select("period_type", "period").unique()
    parents = pl.DataFrame(
        [{"period_type": pt, "period": p, "parent_type": (parent_period(pt, p) or (None, None))[0],
          "parent": (parent_period(pt, p) or (None, None))[1]} for pt, p in periods.iter_rows()],
        schema={"period_type": pl.Utf8, "period": pl.Utf8, "parent_type": pl.Utf8, "parent": pl.Utf8})
    children = comps.join(parents, on=["period_type", "period"]).filter(pl.col("parent").is_not_null())
    by = ["kommunekode", "indsats", "indicator", "comp", "parent_type", "parent"]
    parent_rows = comps.select("cid", "v", "kommunekode", "indsats", "indicator", "comp",
                               pl.col("period_type").alias("parent_type"), pl.col("period").alias("parent"))
    present = parent_rows.join(children.select(by).unique(), on=by, how="semi")
    total = present.with_columns(pl.lit(-1).alias("coef"))
    summed = _group(pl.concat([children.select("cid", "v", *by, pl.lit(1).alias("coef")),
                               total.select("cid", "v", *by, "coef")]), "sum", by)
    last = children.sort("period").group_by(by).last()
    lasted = _group(pl.concat([last.select("cid", "v", *by, pl.lit(1).alias("coef")),
                               total.select("cid", "v", *by, "coef")]), "last", by)
    # which relation an indicator follows: the one that holds in (almost) every instance
    kinds = []
    for name, members in (("sum", summed), ("last", lasted)):
        tagged = members.join(comps.select("cid", "indicator", "comp"), on="cid")
        per_group = tagged.group_by("gkey").agg(pl.col("indicator").first(), pl.col("comp").first(),
                                                ((pl.col("coef") * pl.col("v")).sum() == 0).alias("ok"))
        kinds.append(per_group.group_by("indicator", "comp").agg(pl.col("ok").mean().alias(name)))
    choice = kinds[0].join(kinds[1], on=["indicator", "comp"], how="full", coalesce=True).fill_null(0.0)
    sums = choice.filter((pl.col("sum") >= pl.col("last")) & (pl.col("sum") >= STOCK_SHARE))
    lasts = choice.filter((pl.col("last") > pl.col("sum")) & (pl.col("last") >= STOCK_SHARE))
    out = []
    for members, kind in ((summed, sums), (lasted, lasts)):
        tagged = members.join(comps.select("cid", "indicator", "comp"), on="cid")
        keep = tagged.join(kind.select("indicator", "comp"), on=["indicator", "comp"], how="semi")
        out.append(_holding(members.join(keep.select("gkey").unique(), on="gkey", how="semi")))
    return out


def _equal_pairs(comps: pl.DataFrame) -> pl.DataFrame:
    """Pairs of component types (indicator, comp) equal in every cell that has both (definitions such as a
    rate's denominator = starts), as (gkey, cid, coef, v) groups of two per cell."""
    typed = comps.with_columns(pl.concat_str("indicator", pl.lit(":"), "comp").alias("t"))
    out = []
    for (indsats,), part in typed.partition_by("indsats", as_dict=True).items():
        wide = part.pivot(on="t", index=CELL, values="v", aggregate_function="first")
        names = [c for c in wide.columns if c not in CELL]
        if len(names) < 2:
            continue
        matrix = wide.select(names).to_numpy().astype(float)
        present = ~np.isnan(matrix)
        nonzero = present & (matrix != 0)
        pairs = []
        for a in range(len(names)):
            both = present[:, a:a + 1] & present[:, a + 1:]
            equal = both & (matrix[:, a:a + 1] == matrix[:, a + 1:])
            evidence = (equal & nonzero[:, a:a + 1]).sum(axis=0)
            hits = np.flatnonzero((both.sum(axis=0) == equal.sum(axis=0)) & (evidence >= MIN_EVIDENCE))
            pairs += [(names[a], names[a + 1 + b]) for b in hits]
        for a, b in pairs:
            left = part.filter(pl.col("t") == a).select(*CELL, "cid", "v")
            right = part.filter(pl.col("t") == b).select(*CELL, pl.col("cid").alias("cid_b"), pl.col("v").alias("v_b"))
            joined = left.join(right, on=CELL)
            out.append(_group(pl.concat([
                joined.select(*CELL, "cid", "v", pl.lit(1).alias("coef")),
                joined.select(*CELL, pl.col("cid_b").alias("cid"), pl.col("v_b").alias("v"), pl.lit(-1).alias("coef")),
            ]), f"eq:{indsats}:{a}={b}", CELL))
    return pl.concat(out) if out else pl.DataFrame(schema={"gkey": pl.UInt64, "cid": pl.Int64, "coef": pl.Int32,
                                                           "v": pl.Int64})


def _cell_relations(comps: pl.DataFrame, policy: DisclosurePolicy) -> list[pl.DataFrame]:
    out = []
    n = comps.filter(pl.col("comp") == "n")
    names = comps["indicator"].unique().to_list()
    margins = [(m.total, [x for x in names if m.is_part(x)]) for m in policy.margins]
    for index, (total, parts) in enumerate(margins):
        members = n.filter(pl.col("is_count") & pl.col("indicator").is_in([total, *parts])).with_columns(
            pl.when(pl.col("indicator") == total).then(-1).otherwise(1).alias("coef"))
        out.append(_holding(_group(members, f"margin{index}", CELL)))
    rules = [x for x in names if x.startswith("fidelity_rule_")]
    for comp in ("n", "d"):  # the fidelity index = all rule checks: its numerator and denominator are sums
        members = comps.filter((pl.col("comp") == comp) & pl.col("indicator").is_in(["fidelity_index", *rules]))
        members = members.with_columns(pl.when(pl.col("indicator") == "fidelity_index").then(-1).otherwise(1)
                                       .alias("coef"))
        out.append(_holding(_group(members, f"fidelity_index:{comp}", CELL)))
    for index, spec in enumerate(policy.partitions):  # the parts' numerators add up to their common denominator
        shares = comps.filter(pl.col("indicator").is_in(list(spec.parts)))
        first = shares.filter((pl.col("comp") == "d") & (pl.col("indicator") == spec.parts[0]))
        members = pl.concat([shares.filter(pl.col("comp") == "n").with_columns(pl.lit(1).alias("coef")),
                             first.with_columns(pl.lit(-1).alias("coef"))])
        out.append(_holding(_group(members, f"partition{index}", CELL)))
    # national = sum of municipalities
    by = ["indsats", "period_type", "period", "indicator", "comp"]
    members = comps.with_columns(pl.when(pl.col("kommunekode") == NATIONAL).then(-1).otherwise(1).alias("coef"))
    has_total = members.filter(pl.col("coef") == -1).select(by).unique()
    out.append(_holding(_group(members.join(has_total, on=by, how="semi"), "national", by)))
    return out


def _chain_relations(comps: pl.DataFrame, policy: DisclosurePolicy) -> list[pl.DataFrame]:
    """Stock-flow and year-to-date relations between a period and the one before it."""
    periods = comps.select("period_type", "period").unique()
    previous = pl.DataFrame(
        [{"period_type": pt, "period": p, "prev": previous_period(pt, p)} for pt, p in periods.iter_rows()],
        schema={"period_type": pl.Utf8, "period": pl.Utf8, "prev": pl.Utf8})
    n = comps.filter(pl.col("comp") == "n").join(previous, on=["period_type", "period"])
    out = []

    def shifted(indicator: str, same_year: bool) -> pl.DataFrame:
        """Members taken from the previous period, keyed by the period they precede."""
        earlier = n.filter(pl.col("indicator") == indicator).select(
            "cid", "v", "kommunekode", "indsats", "period_type", pl.col("period").alias("prev"))
        joined = earlier.join(n.select("kommunekode", "indsats", "period_type", "period", "prev").unique(),
                              on=["kommunekode", "indsats", "period_type", "prev"])
        if same_year:
            joined = joined.filter(pl.col("prev").str.slice(0, 4) == pl.col("period").str.slice(0, 4))
        return joined.select("cid", "v", *CELL)

    for index, spec in enumerate(policy.stock_flows):
        members = pl.concat([
            n.filter(pl.col("indicator") == spec.stock).select("cid", "v", *CELL, pl.lit(1).alias("coef")),
            shifted(spec.stock, False).with_columns(pl.lit(-1).alias("coef")),
            n.filter(pl.col("indicator") == spec.inflow).select("cid", "v", *CELL, pl.lit(-1).alias("coef")),
            n.filter(pl.col("indicator") == spec.outflow).select("cid", "v", *CELL, pl.lit(1).alias("coef")),
        ])
        grouped = _group(members, f"stock{index}", CELL)
        full = grouped.group_by("gkey").agg(pl.len().alias("size")).filter(pl.col("size") == 4)
        out.append(_holding(grouped.join(full.select("gkey"), on="gkey", how="semi")))
    for index, spec in enumerate(policy.cumulatives):
        current = n.filter(pl.col("indicator") == spec.cumulative).select("cid", "v", *CELL, pl.lit(1).alias("coef"))
        members = pl.concat([
            current,
            shifted(spec.cumulative, True).with_columns(pl.lit(-1).alias("coef")),
            n.filter(pl.col("indicator") == spec.flow).select("cid", "v", *CELL, pl.lit(-1).alias("coef")),
        ])
        grouped = _group(members.join(current.select(CELL), on=CELL, how="semi"), f"ytd{index}", CELL)
        out.append(_holding(grouped))
    return out


# ---- union-find over equal components ------------------------------------------------------------------

def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


# ---- the audit ----------------------------------------------------------------------------------------

def _prepare(frame: pl.DataFrame, policy: DisclosurePolicy) -> dict[str, Any]:
    """The audit's structure of a table, the same for the public and every insider: the rows (all, and
    the public ones), their whole numbers, the relations among them, the classes of numbers a
    two-member relation makes equal (union-find), the linear rows and the inequalities."""
    frame = round_published(frame)
    mark = pl.col("suppression") if "suppression" in frame.columns else pl.lit(None, dtype=pl.Utf8)
    released = pl.col("released").fill_null(False) if "released" in frame.columns else pl.lit(False)
    full = frame.with_columns(pl.col("suppressed").fill_null(False).alias("hidden"), mark.alias("mark"),
                              released.alias("released"))
    # the public table: rows outside its grain add no equation
    frame = full.filter(pl.col("public").fill_null(False)) if "public" in full.columns else full
    comps = _components(frame, policy)
    relations = pl.concat([*_cell_relations(comps, policy), *_period_relations(comps),
                           *_chain_relations(comps, policy), _holding(_equal_pairs(comps))])
    relations = relations.unique(["gkey", "cid"])
    # merge components that a two-member relation makes equal (+x - y = 0)
    parent = np.arange(comps.height)
    pairs = relations.group_by("gkey").agg(pl.col("cid"), pl.col("coef"), pl.len().alias("size")).filter(
        (pl.col("size") == 2) & (pl.col("coef").list.sum() == 0))
    for a, b in pairs["cid"].to_list():
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[rb] = ra
    roots = np.array([_find(parent, i) for i in range(comps.height)])
    rel = relations.filter(~pl.col("gkey").is_in(pairs["gkey"].implode()))
    gkeys, gidx = np.unique(rel["gkey"].to_numpy(), return_inverse=True)
    ineq = []
    nd = comps.filter(pl.col("comp").is_in(["n", "d"]) & ~pl.col("is_count")).pivot(
        on="comp", index=KEY, values="cid", aggregate_function="first")
    if {"n", "d"} <= set(nd.columns):
        shares = nd.drop_nulls(["n", "d"])
        ineq += list(zip(shares["n"].to_list(), shares["d"].to_list(), strict=True))
    stocks = comps.filter(pl.col("indicator").is_in(["overdue_active", "active_end"]) & (pl.col("comp") == "n"))
    st = stocks.pivot(on="indicator", index=CELL, values="cid", aggregate_function="first")
    if {"overdue_active", "active_end"} <= set(st.columns):
        both = st.drop_nulls(["overdue_active", "active_end"])
        ineq += list(zip(both["overdue_active"].to_list(), both["active_end"].to_list(), strict=True))
    return {"full": full, "frame": frame, "comps": comps, "roots": roots, "pairs": pairs, "gkeys": gkeys,
            "gidx": gidx, "cids": rel["cid"].to_numpy(), "coefs": rel["coef"].to_numpy().astype(float),
            "ineq": ineq}


def audit_published(
    frame: pl.DataFrame,
    threshold: int,
    *,
    insider: str | None = None,
    policy: DisclosurePolicy | None = None,
    time_limit: float = 1.0,
    ilp_budget: float = 600.0,
    ilp_solves: int | None = None,
    seed: int = 0,
    progress: Any = None,
    prepared: dict[str, Any] | None = None,
) -> AuditResult:
    """Audit the table `frame` (the analyst's numbers with `suppressed`, and `suppression` =
    'primary'/'secondary' when the marks are published; with a `public` column only its public rows)
    as the public sees it, or as municipality `insider` sees it (its own cells known).

    `ilp_solves` (the protection loop's deterministic budget): at most that many integer solves, and
    a number the LP relaxation alone could not settle counts as failing (the cautious reading); without
    it the integer checks stop after `ilp_budget` seconds and such numbers are counted apart
    (`relaxation_only`), as in the test and the benchmark. For an insider only the parts of the
    problem that the insider's own cells touch are solved (the rest is the outsider's problem)."""
    import highspy
    from scipy.sparse import csr_array, vstack

    started = time.perf_counter()
    policy = policy or DisclosurePolicy(threshold=threshold)
    # what does not depend on who looks (the table, its numbers and relations) is built once per table:
    # `prepared`, a dict the caller keeps while auditing the same table as the public and each insider
    cache = prepared if prepared is not None else {}
    if "comps" not in cache:
        cache.update(_prepare(frame, policy))
    full, frame, comps, roots = cache["full"], cache["frame"], cache["comps"], cache["roots"]
    # an insider knows all its own numbers, also those outside the public grain (its months)
    own_rows = full.filter(pl.col("kommunekode") == insider) if insider is not None else None
    hidden_rows = int(frame["hidden"].sum())
    known = ~comps["hidden"].to_numpy()
    if insider is not None:
        known |= (comps["kommunekode"] == insider).to_numpy()
    values = comps["v"].to_numpy()
    pairs = cache["pairs"]
    class_known = np.zeros(comps.height, dtype=bool)
    np.logical_or.at(class_known, roots, known)
    unknown_roots = np.unique(roots[~class_known[roots]])
    # an insider's own hidden numbers (known to it, hidden from the public)
    insider_known = known & comps["hidden"].to_numpy() if insider is not None else np.zeros(comps.height, dtype=bool)
    var_of = np.full(comps.height, -1)
    var_of[unknown_roots] = np.arange(unknown_roots.size)
    nvar = unknown_roots.size
    truth = values[unknown_roots].astype(float)
    # the numbers a hidden row keeps secret: a count's value; a rate's or median's numerator and
    # denominator when no count row publishes the same number (then that count row is judged instead:
    # a hidden rate whose numerator is a published count is not disclosed by it)
    class_has_count = np.zeros(comps.height, dtype=bool)
    np.logical_or.at(class_has_count, roots, comps["is_count"].to_numpy())
    is_secret = comps["is_count"].to_numpy() | ~class_has_count[roots]
    own_total = np.zeros(comps.height, dtype=bool)
    if insider is not None:
        # a national number equal to the insider's own (it is the only contributor, the others add 0):
        # what the insider learns is its own number and that the others have none, which the policy
        # publishes anyway (0 is shown); not counted as disclosed to that insider
        by = ["indsats", "period_type", "period", "indicator", "comp"]
        own = _components(own_rows, policy).select(*by, pl.col("v").alias("_own"))
        own_total = comps.join(own, on=by, how="left", maintain_order="left").select(
            (pl.col("kommunekode") == NATIONAL) & (pl.col("v") == pl.col("_own")))["kommunekode"].fill_null(False) \
            .to_numpy()
        is_secret &= ~own_total
        # the rest of a national number: what the others contribute is what is judged for the insider
        # (it knows the national number is at least its own)
        own_part = comps.join(own, on=by, how="left", maintain_order="left").select(
            pl.when(pl.col("kommunekode") == NATIONAL).then(pl.col("_own")).otherwise(0).fill_null(0))
        offset_of_comp = own_part.to_series().to_numpy().astype(float)
    else:
        offset_of_comp = np.zeros(comps.height)
    comps = comps.with_columns(pl.Series("audited", is_secret))
    audited = np.zeros(comps.height, dtype=bool)
    np.logical_or.at(audited, roots, is_secret & comps["hidden"].to_numpy())
    relevant = audited[unknown_roots]
    offset = offset_of_comp[unknown_roots]

    # the linear rows: sum coef * (variable or known value) = 0
    gkeys, gidx, cids, coefs = cache["gkeys"], cache["gidx"], cache["cids"], cache["coefs"]
    croot = roots[cids]
    is_var = ~class_known[croot]
    rhs = np.zeros(gkeys.size)
    np.add.at(rhs, gidx[~is_var], -coefs[~is_var] * values[croot[~is_var]])
    eq_rows, eq_cols, eq_vals = gidx[is_var], var_of[croot[is_var]], coefs[is_var]
    touched_rows = np.zeros(gkeys.size, dtype=bool)  # relations holding an insider's own hidden number
    np.logical_or.at(touched_rows, gidx, insider_known[cids])

    # inequalities: numerator <= denominator of a share row; overdue_active <= active_end
    ineq = cache["ineq"]
    in_rows, in_cols, in_vals, in_ub = [], [], [], []
    for r, (small, big) in enumerate(ineq):  # x_small - x_big <= 0
        bound = 0.0
        for cid, sign in ((small, 1.0), (big, -1.0)):
            root = roots[cid]
            if class_known[root]:
                bound -= sign * values[root]
            else:
                in_rows.append(r), in_cols.append(var_of[root]), in_vals.append(sign)
        in_ub.append(bound)

    # bounds: >= 0; the marks: a count shown as "<5" lies in 1..threshold-1
    lower, upper = np.zeros(nvar), np.full(nvar, float(CAP))
    primary = comps.select((pl.col("is_count") & (pl.col("mark") == "primary")).fill_null(False))["is_count"]
    for cid in np.flatnonzero(primary.to_numpy()):
        v = var_of[roots[cid]]
        if v >= 0:
            lower[v], upper[v] = max(lower[v], 1.0), min(upper[v], float(threshold - 1))
    # an insider knows a national number is at least its own part (the others add >= 0)
    lower = np.maximum(lower, offset)

    # connected components of the variables
    comp_parent = np.arange(nvar)
    for rows_, cols_ in ((eq_rows, eq_cols), (np.array(in_rows, dtype=int), np.array(in_cols, dtype=int))):
        first_of_row: dict[int, int] = {}
        for r, c in zip(rows_.tolist(), cols_.tolist(), strict=True):
            if r in first_of_row:
                a, b = _find(comp_parent, first_of_row[r]), _find(comp_parent, c)
                if a != b:
                    comp_parent[b] = a
            else:
                first_of_row[r] = c
    comp_of = np.array([_find(comp_parent, i) for i in range(nvar)])
    eq_matrix = csr_array((eq_vals, (eq_rows, eq_cols)), shape=(gkeys.size, nvar)) if nvar else None
    in_matrix = csr_array((np.array(in_vals), (np.array(in_rows, dtype=int), np.array(in_cols, dtype=int))),
                          shape=(len(ineq), nvar)) if nvar and ineq else None
    eq_comp = comp_of[eq_cols] if eq_cols.size else np.array([], dtype=int)
    in_comp = comp_of[np.array(in_cols, dtype=int)] if in_cols else np.array([], dtype=int)

    low, high = truth.copy(), truth.copy()  # witnessed range: integer feasible points (the truth is one)
    outer_low, outer_high = lower.copy(), upper.copy()  # proven bounds (from the LP relaxation or the ILP)
    solves = {"lp": 0, "ilp": 0}
    unchecked: list[int] = []
    rng = np.random.default_rng(seed)

    def settled(v: int) -> bool:
        if not relevant[v]:
            return True
        t, o = truth[v] - offset[v], offset[v]
        if 1 <= t <= threshold - 1:
            return low[v] - o <= 1 and high[v] - o >= threshold - 1
        # a "skjult" number: a range `threshold` wide, or (a zero under a published "<5") all of 0..threshold-1
        return high[v] - low[v] >= threshold or (low[v] - o <= 0 and high[v] - o >= threshold - 1)

    def hopeless(v: int) -> bool:
        """The proven bounds already break the criterion (the ILP cannot do better than its relaxation)."""
        t, o = truth[v] - offset[v], offset[v]
        if 1 <= t <= threshold - 1:
            return outer_low[v] - o > 1 or outer_high[v] - o < threshold - 1
        return outer_high[v] - outer_low[v] < threshold and (outer_low[v] - o > 0 or
                                                             outer_high[v] - o < threshold - 1)

    lp_solver, mip_solver = _solver(time_limit), _solver(time_limit)
    order = np.argsort(comp_of, kind="stable")
    boundaries = np.flatnonzero(np.diff(comp_of[order])) + 1
    eq_by_comp = _rows_by_component(eq_rows, eq_comp)
    in_rows_arr = np.array(in_rows, dtype=int)
    in_by_comp = _rows_by_component(in_rows_arr, in_comp)
    touched_comp = np.zeros(nvar, dtype=bool)
    if insider is not None and eq_rows.size:
        np.logical_or.at(touched_comp, comp_of[eq_cols], touched_rows[eq_rows])
    if insider is not None and nvar:
        # a national number the insider knows to be at least its own part (its months, too) is its problem
        np.logical_or.at(touched_comp, comp_of, offset > 0)
    # integer points the public's audit found, per part: where an insider knows no hidden number of its
    # own, the part's equations are the public's, and every such point that also respects the insider's
    # bounds (a national number >= its own part) is a point for the insider too (fewer solves);
    # where it knows hidden numbers of its own, every point that has them at their true values: the
    # insider's part is a piece of a part of the public's (knowing more only splits parts)
    points = cache.setdefault("points", {})
    part_of_root = cache.setdefault("part_of_root", {})
    skipped = 0
    for members in np.split(order, boundaries) if nvar else []:
        members = np.sort(members)
        component = comp_of[members[0]]
        part = unknown_roots[members].tobytes()
        if insider is None:
            part_of_root.update((int(r), part) for r in unknown_roots[members])
        elif part_of_root.get(int(unknown_roots[members[0]])) in points:
            public_part = part_of_root[int(unknown_roots[members[0]])]
            public_roots = np.frombuffer(public_part, dtype=unknown_roots.dtype)
            where = {int(r): i for i, r in enumerate(public_roots)}
            mine = np.array([where[int(r)] for r in unknown_roots[members]])
            own = np.array([i for i, r in enumerate(public_roots) if class_known[r]], dtype=int)
            found = np.array(points[public_part])
            keep = (np.abs(found[:, own] - values[public_roots[own]]) < 1e-9).all(axis=1) if own.size else \
                np.ones(found.shape[0], dtype=bool)
            found = found[keep][:, mine]
            valid = found[((found >= lower[members] - 1e-9) & (found <= upper[members] + 1e-9)).all(axis=1)]
            if valid.size:
                low[members] = np.minimum(low[members], valid.min(axis=0))
                high[members] = np.maximum(high[members], valid.max(axis=0))
        if all(settled(v) for v in members):
            continue
        if insider is not None and not touched_comp[component]:
            skipped += members.size  # the outsider's problem: audited there
            low[members], high[members] = -np.inf, np.inf
            continue
        local = {int(v): i for i, v in enumerate(members)}
        blocks, row_low, row_high = [], [], []
        rows_here = eq_by_comp.get(component)
        if rows_here is not None:
            blocks.append(eq_matrix[rows_here][:, members])
            row_low.append(rhs[rows_here]), row_high.append(rhs[rows_here])
        rows_here = in_by_comp.get(component)
        if rows_here is not None:
            blocks.append(in_matrix[rows_here][:, members])
            row_low.append(np.full(rows_here.size, -np.inf)), row_high.append(np.array(in_ub)[rows_here])
        matrix = vstack(blocks).tocsc() if blocks else csr_array((0, members.size)).tocsc()
        model = _model(matrix, np.concatenate(row_low) if row_low else np.zeros(0),
                       np.concatenate(row_high) if row_high else np.zeros(0),
                       lower[members], upper[members])
        lp_solver.passModel(model)
        mip_solver.passModel(model)
        mip_solver.changeColsIntegrality(members.size, np.arange(members.size, dtype=np.int32),
                                         np.array([highspy.HighsVarType.kInteger] * members.size))
        current = np.zeros(members.size)

        def witness(x: np.ndarray, members: np.ndarray = members, part: bytes = part) -> None:
            if insider is None and ((x < low[members]).any() or (x > high[members]).any()):
                kept = points.setdefault(part, [])
                if len(kept) < 2 * members.size + 8:
                    kept.append(x.copy())
            np.minimum.at(low, members, x)
            np.maximum.at(high, members, x)

        def relaxed(objective: np.ndarray) -> float | None:
            """LP relaxation (warm-started): its optimal value; an integral solution is a witness."""
            nonlocal current
            solves["lp"] += 1
            changed = np.flatnonzero(objective != current)
            lp_solver.changeColsCost(changed.size, changed.astype(np.int32), objective[changed])
            current = objective.copy()
            lp_solver.run()
            if lp_solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            x = np.asarray(lp_solver.getSolution().col_value)
            if (np.abs(x - np.round(x)) < 1e-6).all():
                witness(np.round(x))
            return float(lp_solver.getInfo().objective_function_value)

        def feasible(v: int, at_most: float | None, at_least: float | None,
                     local: dict[int, int] = local) -> bool | None:
            """An integer point with at_least <= x_v <= at_most (witnessed when found); None when undecided."""
            solves["ilp"] += 1
            i = local[v]
            lo = max(lower[v], at_least) if at_least is not None else lower[v]
            hi = min(upper[v], at_most) if at_most is not None else upper[v]
            if lo > hi:
                return False
            mip_solver.changeColBounds(i, lo, hi)
            mip_solver.run()
            status = mip_solver.getModelStatus()
            mip_solver.changeColBounds(i, lower[v], upper[v])
            solves[str(status).rsplit(".", 1)[-1]] = solves.get(str(status).rsplit(".", 1)[-1], 0) + 1
            if status == highspy.HighsModelStatus.kOptimal:
                witness(np.round(np.asarray(mip_solver.getSolution().col_value)))
                return True
            return False if status == highspy.HighsModelStatus.kInfeasible else None

        if progress is not None:
            progress(f"component of {members.size} unknowns; solves so far {solves}")
        relaxed(np.ones(members.size))
        relaxed(-np.ones(members.size))
        # random directions over the numbers not yet settled: one solve moves many of them at once; go on
        # while they keep settling numbers (cheaper than two solves per number below)
        open_ = np.array([not settled(int(v)) for v in members])
        for _ in range(12):
            if not open_.any():
                break
            relaxed(np.where(open_, rng.choice([-1.0, 1.0], size=members.size), 0.0))
            still = np.array([not settled(int(v)) for v in members])
            if still.sum() > 0.9 * open_.sum():
                open_ = still
                break
            open_ = still
        for step, v in enumerate(members):
            v = int(v)
            if progress is not None and step % 200 == 199:
                progress(f"  {step + 1}/{members.size}; solves so far {solves}")
            for sign in (1.0, -1.0):
                if settled(v) or hopeless(v):
                    break
                objective = np.zeros(members.size)
                objective[local[v]] = sign
                value = relaxed(objective)
                if value is None:
                    continue
                if sign > 0:
                    outer_low[v] = max(outer_low[v], np.ceil(value - 1e-6))
                else:
                    outer_high[v] = min(outer_high[v], np.floor(-value + 1e-6))
            # the relaxation was not decisive: look for the integer points the criterion needs
            if settled(v) or hopeless(v):
                continue
            if (solves["ilp"] >= ilp_solves) if ilp_solves is not None else (
                    time.perf_counter() - started > ilp_budget):
                unchecked.append(v)  # settled by the relaxation only: counted, not claimed
                continue
            o = offset[v]
            if 1 <= truth[v] - o <= threshold - 1:
                for at_most, at_least in ((1.0 + o, None), (None, float(threshold - 1) + o)):
                    if feasible(v, at_most, at_least) is False:
                        break
            elif feasible(v, high[v] - threshold, None) is False and feasible(v, None, low[v] + threshold) is False \
                    and truth[v] == o:
                feasible(v, None, float(threshold - 1) + o)

    relaxation_only = set(unchecked) if ilp_solves is None else set()
    failing = [v for v in range(nvar) if not settled(v) and v not in relaxation_only]
    # report every hidden row that holds a failing number
    failing_roots = unknown_roots[failing] if failing else np.array([], dtype=int)
    info = pl.DataFrame({"root": failing_roots, "low": low[failing] if failing else [],
                         "high": high[failing] if failing else []},
                        schema={"root": pl.Int64, "low": pl.Float64, "high": pl.Float64})
    # hidden numbers equal to a published one (their class is known) are disclosed outright
    revealed = comps.with_columns(pl.Series("root", roots)).filter(
        pl.col("hidden") & pl.col("audited") & pl.Series(class_known[roots] & ~known)).select(
        *KEY, "comp", "v", "mark", pl.col("v").cast(pl.Float64).alias("low"), pl.col("v").cast(pl.Float64).alias("high"))
    failures = pl.concat([revealed, comps.with_columns(pl.Series("root", roots)).filter(
        pl.col("hidden") & pl.col("audited")).join(
        info, on="root").select(*KEY, "comp", "v", "mark", "low", "high")]).sort(KEY)
    proven = class_known.copy()  # by root: the class's value is known to the attacker
    proven[unknown_roots] = outer_low == outer_high
    row_pinned = comps.select(*KEY, pl.Series("p", proven[roots])).group_by(KEY).agg(pl.col("p").all())
    pinned_rows = comps.filter(pl.col("hidden")).select(KEY).unique().join(
        row_pinned.filter(pl.col("p")).select(KEY), on=KEY).sort(KEY)
    binding = _binding(comps, roots, class_known[roots] & ~known, failing_roots, gidx, cids, is_var, insider)
    return AuditResult(
        hidden_rows=hidden_rows, unknowns=nvar, failures=failures, seconds=time.perf_counter() - started,
        solves=solves["lp"] + solves["ilp"], relations=int(gkeys.size + pairs.height + len(ineq)), insider=insider,
        stats={"components": int(np.unique(comp_of).size) if nvar else 0, **solves,
               "relaxation_only": len(relaxation_only), "insider_skipped": skipped,
               "insider_own_totals": int((own_total & comps["hidden"].to_numpy()).sum())},
        binding=binding, pinned_rows=pinned_rows,
    )


def _binding(comps: pl.DataFrame, roots: np.ndarray, revealed: np.ndarray, failing_roots: np.ndarray,
             gidx: np.ndarray, cids: np.ndarray, is_var: np.ndarray, insider: str | None) -> pl.DataFrame:
    """What binds each failing number: the published members of every relation it takes part in
    (action 'hide', with the relation's number of unknown members), the published numbers equal to it
    (relation -1, 0 unknowns), and the members of its relations shown "<5" (action 'unmark': the mark
    itself is what the attacker adds). An insider's own rows are left out (changing them does not help)."""
    hidden = comps["hidden"].to_numpy()
    failing = np.zeros(comps.height, dtype=bool)
    failing[failing_roots] = True
    failing[roots[revealed & hidden & comps["audited"].to_numpy()]] = True
    # a released row (published because it was known exactly anyway) cannot help: the search passes it
    passable = hidden | comps["released"].to_numpy()
    eligible = ~comps["released"].to_numpy()
    if insider is not None:
        eligible &= (comps["kommunekode"] != insider).to_numpy()
    banded = (hidden & comps.select((pl.col("is_count") & (pl.col("mark") == "primary")).fill_null(False))
              ["is_count"].to_numpy())
    action = np.where(~hidden, "hide", np.where(banded, "unmark", ""))
    eligible &= action != ""
    keys = comps.select(pl.col("cid"), *KEY, "v").with_columns(pl.Series("action", action))  # cid = position
    unknowns = np.bincount(gidx[is_var], minlength=int(gidx.max()) + 1) if gidx.size else np.zeros(0, dtype=int)
    croot = roots[cids]
    members = pl.DataFrame({"relation": gidx, "root": croot, "cid": cids,
                            "eligible": eligible[cids], "published": ~passable[cids]})
    sizes = pl.DataFrame({"relation": np.arange(unknowns.size), "unknowns": unknowns})
    # a number pinned through a chain of hidden rows: follow the relations hop by hop (at most HOPS)
    # until a relation with a published member is found
    frontier = pl.DataFrame({"failing": np.flatnonzero(failing), "root": np.flatnonzero(failing)})
    seen, found = frontier, []
    for hop in range(HOPS):
        reached = frontier.join(members.select("relation", "root"), on="root").select("failing", "relation").unique()
        here = reached.join(members, on="relation")
        found.append(here.filter(pl.col("eligible")).join(sizes, on="relation").select(
            "failing", "relation", "unknowns", "cid", pl.lit(hop).alias("hop")))
        done = here.filter(pl.col("published") & pl.col("eligible")).select("failing").unique()
        frontier = here.filter(~pl.col("published")).select("failing", "root").unique().join(
            done, on="failing", how="anti").join(seen, on=["failing", "root"], how="anti")
        if frontier.is_empty():
            break
        seen = pl.concat([seen, frontier])
    by_relation = pl.concat(found) if found else pl.DataFrame(
        schema={"failing": pl.Int64, "relation": pl.Int64, "unknowns": pl.Int64, "cid": pl.Int64, "hop": pl.Int64})
    same = np.flatnonzero(eligible & ~hidden & failing[roots])
    equal = pl.DataFrame({"cid": same, "failing": roots[same]}).with_columns(
        pl.lit(-1).alias("relation"), pl.lit(0).alias("unknowns"), pl.lit(0).alias("hop"))
    columns = ["failing", "relation", "unknowns", "hop", "cid"]
    out = pl.concat([by_relation.select(columns).cast(pl.Int64), equal.select(columns).cast(pl.Int64)])
    return out.join(keys, on="cid").drop("cid").unique().sort(["failing", "hop", "relation", *KEY])


def _solver(time_limit: float) -> Any:
    import highspy

    # HiGHS writes its banner to the process's stdout when a solver is made, before any option can turn
    # it off; stdout is the data channel of `udbredelse bench --json` and of task results: keep it clean
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit))
    return solver


def _model(matrix: Any, row_low: np.ndarray, row_high: np.ndarray, col_low: np.ndarray, col_high: np.ndarray) -> Any:
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.zeros(matrix.shape[1])
    lp.col_lower_, lp.col_upper_ = col_low.astype(float), col_high.astype(float)
    lp.row_lower_ = np.where(np.isinf(row_low), -inf, row_low).astype(float)
    lp.row_upper_ = np.where(np.isinf(row_high), inf, row_high).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    return lp


def _rows_by_component(rows: np.ndarray, components: np.ndarray) -> dict[int, np.ndarray]:
    if rows.size == 0:
        return {}
    frame = pl.DataFrame({"row": rows, "comp": components}).unique().sort("row")
    return {int(k): part["row"].to_numpy() for (k,), part in frame.partition_by("comp", as_dict=True).items()}


def audit_published_copy(settings: Any, *, insiders: int = 0, ilp_budget: float = 600.0,
                         progress: Any = None) -> dict[str, Any]:
    """The audit of a data home's published copy: as an outsider, then as the first `insiders`
    municipalities (each knowing its own cells). For `udbredelse bench` and the tests."""
    from udbredelse.export.published import published, read_table, read_threshold

    with published(settings) as con:
        frame = read_table(con, "marts", "indicators")
        threshold = read_threshold(con)
    prepared: dict[str, Any] = {}
    outsider = audit_published(frame, threshold, ilp_budget=ilp_budget, progress=progress, prepared=prepared)
    public = frame.filter(pl.col("public").fill_null(False)) if "public" in frame.columns else frame
    result = {"threshold": threshold, "hidden_count_share": round(hidden_count_share(frame), 4),
              "public_rows": public.height, "rows": frame.height,
              "outsider": outsider.summary(), "insiders": []}
    kommuner = sorted(k for k in frame["kommunekode"].unique().to_list() if k != NATIONAL)
    for kommune in kommuner[:insiders]:
        result["insiders"].append(audit_published(frame, threshold, insider=kommune, ilp_budget=ilp_budget,
                                                  prepared=prepared).summary())
    return result


def hidden_count_share(frame: pl.DataFrame, policy: DisclosurePolicy | None = None) -> float:
    """Share of the public count cells (people counts, no denominator) that are hidden."""
    policy = policy or DisclosurePolicy()
    if "public" in frame.columns:
        frame = frame.filter(pl.col("public").fill_null(False))
    counts = frame.filter(pl.col("denominator").is_null() & pl.col("value").is_not_null())
    exempt = [c for c in counts["indicator"].unique().to_list() if policy.is_exempt(c)]
    counts = counts.filter(~pl.col("indicator").is_in(exempt))
    return float(counts["suppressed"].fill_null(False).mean() or 0.0)
