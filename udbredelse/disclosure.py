"""The disclosure-control policy (domain §7): which cells of the long indicator table are hidden outside a
municipality's own view. One policy for the marts, the dashboard and every aggregate export.

Input: the long indicator table (kommunekode ('000' = national), indsats, period_type, period, indicator,
numerator, denominator, value, ...). Output: the same rows with a boolean `suppressed`.

A row is a *count* when it has no denominator (numerator = value = the count), otherwise a *derived*
row (a rate numerator/denominator, or a statistic such as a median over `denominator` courses). The
whole numbers a row publishes are its *components*: the count, or the derived row's numerator and
denominator.

Rules, applied until nothing changes:

1. Primary: a count 1..threshold-1 is hidden (0 is shown). A derived row is hidden when its numerator,
   its denominator or their difference (e.g. interrupted = ended - completed) is 1..threshold-1.
2. Linked rates: a derived row is hidden when its numerator, denominator or their difference equals a
   hidden count of the same municipality, intervention and period (rates hidden with their counts).
3. Secondary: every linear identity between published components that holds in the data is a group;
   no group may have exactly one hidden member (else it is "total minus the others"). When one has,
   the smallest visible member (a part before a total, a positive value before a zero) is hidden too.
   The identities: the national total is the sum of the municipalities; a quarter is the sum of its
   months and a year of its quarters (or, for stocks such as active_end, equals the last one);
   margins (e.g. starts = sum of starts_age_*); stock and flow (active_end of the previous period +
   starts - ended_total = active_end); and year-to-date totals (ytd = previous ytd + the period's flow).

An identity is used only where it holds in the data, so the policy follows the data rather than a
list of indicator semantics. The guarantee is that no hidden cell can be recomputed from one
published identity; it is not a full linear-programming audit across several identities at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

NATIONAL = "000"
KEY_COLUMNS = ["kommunekode", "indsats", "period_type", "period", "indicator"]
CELL_COLUMNS = ["kommunekode", "indsats", "period"]  # period codes are unique across period types
DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Margin:
    """A total count that equals the sum of its category counts (parts listed or by code prefix)."""

    total: str
    parts: tuple[str, ...] = ()
    parts_prefix: str | None = None

    def is_part(self, indicator: str) -> bool:
        return indicator in self.parts or (self.parts_prefix is not None and indicator.startswith(self.parts_prefix))


@dataclass(frozen=True)
class StockFlow:
    """stock(previous period) + inflow(period) - outflow(period) = stock(period)."""

    stock: str
    inflow: str
    outflow: str


@dataclass(frozen=True)
class Cumulative:
    """A year-to-date numerator: ytd(period) = ytd(previous period in the same year) + flow(period)."""

    cumulative: str
    flow: str


@dataclass(frozen=True)
class DisclosurePolicy:
    threshold: int = DEFAULT_THRESHOLD
    margins: tuple[Margin, ...] = (
        Margin("starts", parts_prefix="starts_age_"),
        Margin("starts", parts_prefix="starts_sex_"),
        Margin("starts", parts_prefix="starts_reason_"),
        Margin("ended_total", parts=("ended_completed", "ended_interrupted")),
        Margin("ended_total", parts_prefix="ended_reason_"),
    )
    stock_flows: tuple[StockFlow, ...] = (StockFlow("active_end", "starts", "ended_total"),)
    cumulatives: tuple[Cumulative, ...] = (Cumulative("target_attainment_ytd", "starts"),)
    max_rounds: int = field(default=100)


def threshold_from_parameters(parameters: Any, default: int = DEFAULT_THRESHOLD) -> int:
    """The suppression threshold from catalog.parameters (parameter, value)."""
    frame = parameters if isinstance(parameters, pl.DataFrame) else pl.DataFrame(parameters)
    if frame.is_empty() or "parameter" not in frame.columns:
        return default
    hit = frame.filter(pl.col("parameter") == "suppression_threshold")
    if hit.is_empty() or hit["value"][0] is None:
        return default
    return int(hit["value"][0])


# ---- period arithmetic --------------------------------------------------------------------------------

def parent_period(period_type: str, period: str) -> tuple[str, str] | None:
    """The period one level up: a month's quarter, a quarter's year; None for a year (or no period)."""
    try:
        return _parent_period(period_type, period)
    except ValueError:
        return None


def _parent_period(period_type: str, period: str) -> tuple[str, str] | None:
    if period_type == "month":
        year, month = period.split("-")
        return "quarter", f"{year}-Q{(int(month) - 1) // 3 + 1}"
    if period_type == "quarter":
        return "year", period.split("-")[0]
    return None


def previous_period(period_type: str, period: str) -> str | None:
    """The period before, of the same type (None when the period cannot be read)."""
    try:
        return _previous_period(period_type, period)
    except ValueError:
        return None


def _previous_period(period_type: str, period: str) -> str | None:
    if period_type == "month":
        year, month = (int(x) for x in period.split("-"))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return f"{year:04d}-{month:02d}"
    if period_type == "quarter":
        year, quarter = period.split("-Q")
        y, q = int(year), int(quarter)
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
        return f"{y:04d}-Q{q}"
    if period_type == "year":
        return f"{int(period) - 1:04d}"
    return None


def period_year(period: str) -> str:
    return period[:4]


# ---- the policy ---------------------------------------------------------------------------------------

def apply_disclosure(
    frame: pl.DataFrame, threshold: int | None = None, policy: DisclosurePolicy | None = None
) -> pl.DataFrame:
    """Return `frame` with a boolean column `suppressed` set by the policy (other columns untouched)."""
    policy = policy or DisclosurePolicy()
    if threshold is not None:
        policy = DisclosurePolicy(threshold, policy.margins, policy.stock_flows, policy.cumulatives, policy.max_rounds)
    base = frame.drop("suppressed", strict=False)
    if base.is_empty():
        return base.with_columns(pl.lit(False).alias("suppressed"))

    rows, codes = _encoded_rows(base)
    components = _components(rows)
    hidden = _primary(rows, policy.threshold).to_numpy().copy()
    groups = _identity_groups(rows, components, policy, codes)
    link = _rate_linker(rows)

    for _ in range(policy.max_rounds):
        before = int(hidden.sum())
        hidden = link(hidden)
        hidden = _secondary(groups, hidden)
        if int(hidden.sum()) == before:
            break
    hidden = pl.Series("suppressed", hidden)
    return base.with_columns(hidden.alias("suppressed"))


def _whole(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_not_null() & (expr == expr.round(0))).then(expr.round(0).cast(pl.Int64))


def _components(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per published whole number: (row_id, component 'n'|'d', v) plus the row's keys."""
    count_part = rows.filter(pl.col("is_count")).select(
        "row_id", *KEY_COLUMNS, pl.lit("n").alias("component"), _whole(pl.col("value")).alias("v")
    )
    derived = rows.filter(~pl.col("is_count"))
    numerators = derived.select("row_id", *KEY_COLUMNS, pl.lit("n").alias("component"),
                                _whole(pl.col("numerator")).alias("v"))
    denominators = derived.select("row_id", *KEY_COLUMNS, pl.lit("d").alias("component"),
                                  _whole(pl.col("denominator")).alias("v"))
    return pl.concat([count_part, numerators, denominators]).filter(pl.col("v").is_not_null())


def _small(expr: pl.Expr, threshold: int) -> pl.Expr:
    return expr.is_not_null() & (expr >= 1) & (expr <= threshold - 1)


def _primary(rows: pl.DataFrame, threshold: int) -> pl.Series:
    n = _whole(pl.col("numerator"))
    d = _whole(pl.col("denominator"))
    count_small = pl.col("is_count") & _small(_whole(pl.col("value")), threshold)
    derived_small = ~pl.col("is_count") & (_small(n, threshold) | _small(d, threshold) | _small(d - n, threshold))
    return rows.select((count_small | derived_small).fill_null(False).alias("hidden"))["hidden"]


def _encoded_rows(base: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The rows with integer codes for the key columns (fast hashing and joins) and the code books."""
    keyed = base.select(KEY_COLUMNS + ["numerator", "denominator", "value"]).with_columns(
        *(pl.col(c).cast(pl.Utf8).fill_null("") for c in KEY_COLUMNS),
        (pl.col("denominator").is_null() & pl.col("value").is_not_null()).alias("is_count"),
    )
    periods = keyed.select("period_type", "period").unique().sort(["period_type", "period"])
    period_code = {(pt, p): i for i, (pt, p) in enumerate(periods.iter_rows())}
    type_code = {pt: i for i, pt in enumerate(sorted(set(periods["period_type"].to_list())))}

    def code_of(period_type: str | None, period: str | None) -> int | None:
        return period_code.get((period_type, period)) if period_type and period else None

    period_map = pl.DataFrame(
        [
            {
                "period": code,
                "parent": code_of(*(parent_period(pt, p) or (None, None))),
                "previous": code_of(pt, previous_period(pt, p)),
                "year": int(period_year(p)) if period_year(p).isdigit() else None,
                "previous_year": int(period_year(previous_period(pt, p) or ""))
                if (previous_period(pt, p) or "")[:4].isdigit() else None,
            }
            for (pt, p), code in period_code.items()
        ],
        schema={"period": pl.Int64, "parent": pl.Int64, "previous": pl.Int64, "year": pl.Int64,
                "previous_year": pl.Int64},
    )
    kommuner = {k: i for i, k in enumerate(sorted(set(keyed["kommunekode"].to_list())))}
    indsatser = {k: i for i, k in enumerate(sorted(set(keyed["indsats"].to_list())))}
    indicators = {k: i for i, k in enumerate(sorted(set(keyed["indicator"].to_list())))}
    lookup = pl.DataFrame(
        {"period_type": [pt for pt, _ in period_code], "period": [p for _, p in period_code],
         "_period": list(period_code.values()), "_type": [type_code[pt] for pt, _ in period_code]},
        schema={"period_type": pl.Utf8, "period": pl.Utf8, "_period": pl.Int64, "_type": pl.Int64},
    )
    rows = (
        keyed.join(lookup, on=["period_type", "period"], how="left", maintain_order="left")
        .with_columns(
            pl.col("kommunekode").replace_strict(kommuner, return_dtype=pl.Int64),
            pl.col("indsats").replace_strict(indsatser, return_dtype=pl.Int64),
            pl.col("indicator").replace_strict(indicators, return_dtype=pl.Int64),
            pl.col("_type").alias("period_type"),
            pl.col("_period").alias("period"),
        )
        .drop("_type", "_period")
        .with_row_index("row_id")
        .with_columns(pl.col("row_id").cast(pl.Int64))
    )
    return rows, {"period_map": period_map, "national": kommuner.get(NATIONAL, -1), "indicators": indicators}


def _rate_linker(rows: pl.DataFrame) -> Any:
    """A function hidden -> hidden that hides derived rows whose numerator, denominator or difference
    equals a hidden count of the same cell (kommune, indsats, period)."""
    cell_hash = pl.struct(CELL_COLUMNS).hash(seed=11)
    counts = rows.filter(pl.col("is_count")).select(
        "row_id", _whole(pl.col("value")).alias("v"), cell_hash.alias("cell"))
    counts = counts.filter(pl.col("v") >= 1).select(
        "row_id", pl.struct("cell", "v").hash(seed=13).alias("key"))
    derived = rows.filter(~pl.col("is_count")).select(
        "row_id", cell_hash.alias("cell"),
        pl.concat_list(
            _whole(pl.col("numerator")), _whole(pl.col("denominator")),
            _whole(pl.col("denominator")) - _whole(pl.col("numerator")),
        ).alias("v"),
    ).explode("v").filter(pl.col("v") >= 1).select("row_id", pl.struct("cell", "v").hash(seed=13).alias("key"))
    count_rows, count_keys = counts["row_id"].to_numpy(), counts["key"].to_numpy()
    order = np.argsort(derived["key"].to_numpy(), kind="stable")
    derived_keys = derived["key"].to_numpy()[order]
    derived_rows = derived["row_id"].to_numpy()[order]

    def link(hidden: np.ndarray) -> np.ndarray:
        secret = np.unique(count_keys[hidden[count_rows]])
        if secret.size == 0 or derived_rows.size == 0:
            return hidden
        # mark every derived entry whose key is a secret key: ranges in the sorted keys
        starts = np.searchsorted(derived_keys, secret, side="left")
        ends = np.searchsorted(derived_keys, secret, side="right")
        coverage = np.zeros(derived_keys.size + 1, dtype=np.int64)
        np.add.at(coverage, starts, 1)
        np.add.at(coverage, ends, -1)
        hit = (np.cumsum(coverage)[:-1] > 0) & ~hidden[derived_rows]
        if hit.any():
            hidden = hidden.copy()
            hidden[derived_rows[hit]] = True
        return hidden

    return link


def _secondary(groups: pl.DataFrame, hidden: np.ndarray) -> np.ndarray:
    """In every identity group with exactly one hidden member, hide the best other member.

    `groups` is sorted by (group_id, preference), so the first visible member of a group is the one to hide.
    """
    if groups.is_empty():
        return hidden
    flags = hidden.copy()
    group_ids = groups["group_id"].to_numpy()
    row_ids = groups["row_id"].to_numpy()
    member_hidden = flags[row_ids]
    hidden_per_group = np.bincount(group_ids, weights=member_hidden.astype(np.int64))
    lonely = hidden_per_group[group_ids] == 1
    candidates = lonely & ~member_hidden
    if not candidates.any():
        return hidden
    _, first = np.unique(group_ids[candidates], return_index=True)
    flags[row_ids[candidates][first]] = True
    return flags


# ---- identity groups ----------------------------------------------------------------------------------

def _identity_groups(
    rows: pl.DataFrame, components: pl.DataFrame, policy: DisclosurePolicy, codes: dict[str, Any]
) -> pl.DataFrame:
    """All verified linear identities as members (group_id, row_id, is_total, is_zero, abs_v), sorted by
    group and by preference (a part before a total, a positive value before a zero, the smallest first)."""
    comps = components.join(codes["period_map"], on="period", how="left")
    indicator_code = codes["indicators"]
    national = codes["national"]
    parts: list[pl.DataFrame] = []

    # national total = sum of municipalities
    parts.append(comps.select(
        "row_id", "v",
        _key("geo", "indsats", "period", "indicator", "component").alias("group_key"),
        pl.when(pl.col("kommunekode") == national).then(-1).otherwise(1).alias("sign"),
        (pl.col("kommunekode") == national).alias("is_total"),
    ))

    # parent period = sum of its children (flows), or = its last child (stocks)
    children = comps.filter(pl.col("parent").is_not_null())
    parent_rows = comps.select("row_id", "v", "kommunekode", "indsats", "indicator", "component",
                               pl.col("period").alias("parent"))
    additive_key = ["kommunekode", "indsats", "indicator", "component", "parent"]
    parent_members = parent_rows.join(children.select(additive_key).unique(), on=additive_key, how="semi")
    parts.append(pl.concat([
        children.select("row_id", "v", *additive_key, pl.lit(1).alias("sign"), pl.lit(False).alias("is_total")),
        parent_members.select("row_id", "v", *additive_key, pl.lit(-1).alias("sign"), pl.lit(True).alias("is_total")),
    ]).select("row_id", "v", _key("sum", *additive_key).alias("group_key"), "sign", "is_total"))
    last_child = children.sort("period").group_by(additive_key).last()
    parts.append(pl.concat([
        last_child.select("row_id", "v", *additive_key, pl.lit(1).alias("sign"), pl.lit(False).alias("is_total")),
        parent_members.select("row_id", "v", *additive_key, pl.lit(-1).alias("sign"), pl.lit(True).alias("is_total")),
    ]).select("row_id", "v", _key("last", *additive_key).alias("group_key"), "sign", "is_total"))

    counts = comps.filter(pl.col("component") == "n").join(
        rows.filter(pl.col("is_count")).select("row_id"), on="row_id", how="semi")
    cell = ["kommunekode", "indsats", "period"]

    def code(name: str) -> int:
        return indicator_code.get(name, -1)

    # margins: total = sum of categories
    for index, margin in enumerate(policy.margins):
        part_codes = [c for name, c in indicator_code.items() if margin.is_part(name)]
        if not part_codes or margin.total not in indicator_code:
            continue
        members = counts.filter(pl.col("indicator").is_in([code(margin.total), *part_codes]))
        parts.append(members.select(
            "row_id", "v",
            _key(f"margin{index}", *cell).alias("group_key"),
            pl.when(pl.col("indicator") == code(margin.total)).then(-1).otherwise(1).alias("sign"),
            (pl.col("indicator") == code(margin.total)).alias("is_total"),
        ))

    next_periods = comps.select("kommunekode", "indsats", pl.col("period").alias("next_period"),
                                pl.col("previous").alias("period"), "year", "previous_year").unique()

    # stock and flow between adjacent periods
    for index, spec in enumerate(policy.stock_flows):
        key = _key(f"stock{index}", *cell)
        current = counts.filter(pl.col("indicator").is_in([code(spec.stock), code(spec.outflow)])).select(
            "row_id", "v", key.alias("group_key"), pl.lit(1).alias("sign"))
        inflow = counts.filter(pl.col("indicator") == code(spec.inflow)).select(
            "row_id", "v", key.alias("group_key"), pl.lit(-1).alias("sign"))
        previous = counts.filter(pl.col("indicator") == code(spec.stock)).join(
            next_periods.select("kommunekode", "indsats", "period", "next_period"),
            on=["kommunekode", "indsats", "period"], how="inner",
        ).select("row_id", "v", _key(f"stock{index}", "kommunekode", "indsats",
                                     pl.col("next_period").alias("period")).alias("group_key"),
                 pl.lit(-1).alias("sign"))
        group = pl.concat([current, inflow, previous]).with_columns(pl.lit(False).alias("is_total"))
        parts.append(_require_members(group, 4))

    # year-to-date: ytd(p) = ytd(previous p in the year) + flow(p); ytd of a year's first period = flow
    for index, spec in enumerate(policy.cumulatives):
        ytd = comps.filter((pl.col("indicator") == code(spec.cumulative)) & (pl.col("component") == "n"))
        key = _key(f"ytd{index}", *cell)
        current = ytd.select("row_id", "v", key.alias("group_key"), pl.lit(1).alias("sign"))
        flow = counts.filter(pl.col("indicator") == code(spec.flow)).select(
            "row_id", "v", key.alias("group_key"), pl.lit(-1).alias("sign"))
        previous = ytd.join(
            next_periods.filter(pl.col("previous_year") == pl.col("year")).select(
                "kommunekode", "indsats", "period", "next_period"),
            on=["kommunekode", "indsats", "period"], how="inner",
        ).select("row_id", "v", _key(f"ytd{index}", "kommunekode", "indsats",
                                     pl.col("next_period").alias("period")).alias("group_key"),
                 pl.lit(-1).alias("sign"))
        group = pl.concat([current, flow, previous]).with_columns(pl.lit(True).alias("is_total"))
        # only periods whose ytd member is present; the first period of a year has two members
        group = group.join(current.select("group_key").unique(), on="group_key", how="semi")
        parts.append(group.join(flow.select("group_key").unique(), on="group_key", how="semi"))

    members = pl.concat([p.select("row_id", "v", "group_key", "sign", "is_total") for p in parts])
    members = _verified(members)
    ordered = members.select(
        "group_key", "row_id", "is_total", (pl.col("v") == 0).alias("is_zero"), pl.col("v").abs().alias("abs_v"),
    ).sort(["group_key", "is_total", "is_zero", "abs_v", "row_id"])
    return ordered.with_columns(
        (pl.col("group_key") != pl.col("group_key").shift(1)).fill_null(True).cum_sum().cast(pl.Int64)
        .sub(1).alias("group_id"),
    ).drop("group_key")


def _key(tag: str, *columns: str | pl.Expr) -> pl.Expr:
    """A group key: a 64-bit hash of the relation's tag and its key columns (cheap to group on)."""
    return pl.struct([pl.lit(tag).alias("_tag"), *columns]).hash(seed=7)


def _require_members(group: pl.DataFrame, size: int) -> pl.DataFrame:
    full = group.group_by("group_key").agg(pl.len().alias("size")).filter(pl.col("size") == size)
    return group.join(full.select("group_key"), on="group_key", how="semi")


def _verified(members: pl.DataFrame) -> pl.DataFrame:
    """Keep the groups of two or more rows, with both signs, whose signed sum is zero (the identity holds).
    A row is never twice in one group (the group keys include the component and the period)."""
    holds = (
        members.group_by("group_key")
        .agg((pl.col("v") * pl.col("sign")).sum().alias("balance"), pl.len().alias("size"),
             pl.col("sign").min().alias("low"), pl.col("sign").max().alias("high"))
        .filter((pl.col("balance") == 0) & (pl.col("size") >= 2) & (pl.col("low") < 0) & (pl.col("high") > 0))
        .select("group_key")
    )
    return members.join(holds, on="group_key", how="semi")


def visible_small_counts(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Rows a public audience would see that publish a whole number in 1..threshold-1 (should be empty)."""
    public = frame.filter(~pl.col("suppressed"))
    is_count = pl.col("denominator").is_null() & pl.col("value").is_not_null()
    n, d = _whole(pl.col("numerator")), _whole(pl.col("denominator"))
    return public.filter(
        (is_count & _small(_whole(pl.col("value")), threshold))
        | (~is_count & (_small(n, threshold) | _small(d, threshold) | _small(d - n, threshold)))
    )


def recomputable_cells(frame: pl.DataFrame, policy: DisclosurePolicy | None = None) -> pl.DataFrame:
    """Hidden rows that one verified identity would reveal (exactly one hidden member). Should be empty."""
    policy = policy or DisclosurePolicy()
    rows, codes = _encoded_rows(frame.drop("suppressed"))
    groups = _identity_groups(rows, _components(rows), policy, codes)
    flags = pl.DataFrame({"row_id": pl.arange(0, frame.height, eager=True).cast(pl.Int64),
                          "hidden": frame["suppressed"]})
    members = groups.join(flags, on="row_id")
    lonely = members.group_by("group_id").agg(
        pl.col("row_id").filter(pl.col("hidden")).alias("hidden_rows")
    ).filter(pl.col("hidden_rows").list.len() == 1)
    row_ids: Iterable[int] = lonely["hidden_rows"].explode().to_list()
    return frame.with_row_index("row_id").filter(pl.col("row_id").is_in(list(row_ids))).drop("row_id")
