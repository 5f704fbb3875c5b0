"""The disclosure-control policy (README "The indicator table", disclosure control): which cells of the long indicator table are hidden outside a
municipality's own view. One policy for the marts, the dashboard and every aggregate export.

Input: the long indicator table (kommunekode ('000' = national), indsats, period_type, period, indicator,
numerator, denominator, value, ...). Output: the same rows with a boolean `suppressed` and its honest mark
`suppression` ('primary': a count 1..threshold-1, shown "<5"; 'secondary': any other hidden row, shown
"skjult"; null: published).

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
   Partitions: rates over one denominator whose numerators add up to it (instrument_reliably_improved +
   instrument_unchanged + instrument_deteriorated = the measured courses) form a group as well.
4. Derived counts: a row that scales a count it does not publish (target_projection_year_end's numerator
   is starts_ytd x days_in_year / days_elapsed, so starts_ytd = projection x days_elapsed / days_in_year)
   follows the row that publishes that count (target_attainment_ytd of the same municipality,
   intervention and period): the two are hidden together (either way), and the follower is hidden when
   that row is missing. Its fractional numerator is a derived count: 0 < numerator < threshold is hidden
   (the projection is never below the count it scales), and it takes part in the identities in units
   of 10^-4 (the national projection is the sum of the municipalities').
5. Composites: a row made of other rows of the same cell (fidelity_index = all fidelity_rule_* checks)
   is hidden when every part that counts anything is hidden: a composite never speaks for parts the
   reader may not see (`DisclosurePolicy.composites`).

An identity is used only where it holds in the data, so the policy follows the data rather than a
list of indicator semantics. Rules 1-4 guarantee that no hidden cell can be recomputed from one
published identity; rule 6 (`DisclosurePolicy.audit_rounds`, on in the build) makes the table pass the
attacker's audit (udbredelse.disclosure_audit: every identity at once, as an integer program) by
hiding more where it fails (`_audited`).

Before any of this, global recoding (`DisclosurePolicy.publication`, the catalog's `publication`
grain): only the rows of the public table take part; the others get `public` = false and the mark
'not_public' (README "Disclosure control").

What counts people, and what does not (decided per indicator, `DisclosurePolicy`):
- Exempt from suppression, because they count no people and reveal no people count: `target_year`
  (the municipality's planned number of courses, a decision, not people), and every `milestones_*`
  indicator (implementation milestones of the organisation: done shares, `milestones_overdue` = a number
  of milestones, `milestones_phase_days_*` = days spent in a phase). No people count is derived from them.
  They are never hidden and take no part in the identities or rate links.
- Denominators that are not people: `target_attainment_ytd` and `target_projection_year_end` divide by
  the target. Only their numerator (starts, a people count) is checked: a small target, or a target
  close to the starts, is no reason to hide; their denominator takes no part in identities or links.
- Everything else counts people: `instrument_*` (courses with a measurement, reliably improved,
  unchanged, deteriorated; the mean change has the measured courses as denominator) and
  `register_*` (courses with the register flag / courses observed) get the full rules.

Determinism: the verdicts are a pure function of the rows, not of their order. The policy rounds
numerator, denominator and value to `DECIMALS` places (as the published table does, see
`round_published`), sorts the rows by all key columns (then by their numbers) before any choice, and
breaks every tie (which visible member a secondary suppression hides) by that order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

NATIONAL = "000"
# The build tells the dbt Python model which interventions a refresh recomputes through this variable
# (set by udbredelse.transform.run_dbt, read by int_indicators__protected); it lives here so that the
# model imports this module only, never the module that runs dbt.
REFRESH_INDSATS_ENV = "UDBREDELSE_REFRESH_INDSATS"
KEY_COLUMNS = ["kommunekode", "indsats", "period_type", "period", "indicator"]
CELL_COLUMNS = ["kommunekode", "indsats", "period"]  # period codes are unique across period types
DECIMALS = 8  # published rounding of numerator, denominator and value; < 10 so that no published number
# holds a run of 10 digits after the point, which leak scanners (and readers) take for a CPR number
SCALED_DECIMALS = 4  # a derived count (projection) is compared in units of 10^-4 (int_target_projections)
NUMBER_COLUMNS = ["numerator", "denominator", "value"]
_TRACE = bool(os.environ.get("UDBREDELSE_TRACE_AUDIT"))  # rule 6's rounds on stdout (development)


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
class Partition:
    """Rates over one denominator whose numerators add up to it (each row: part / common denominator)."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Follows:
    """`indicator` scales the count that `base` publishes as its numerator in the same cell: hidden with it."""

    indicator: str
    base: str


@dataclass(frozen=True)
class Publication:
    """An indicator family of the public table and the period types it is published at (catalog
    common.yaml `publication`): `kommune` for a municipality's rows, `national` for '000'."""

    family: str
    kommune: tuple[str, ...]
    national: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def covers(self, indicator: str) -> bool:
        return indicator in self.indicators or any(indicator.startswith(p) for p in self.prefixes)


def publication_grain(catalog: Any = None) -> tuple[Publication, ...]:
    """The public table's grain from the catalog (common.yaml `publication`), in its order."""
    if catalog is None:
        from udbredelse.catalog import load_catalog

        catalog = load_catalog()
    return tuple(
        Publication(family=str(item["family"]), kommune=tuple(item.get("kommune") or ()),
                    national=tuple(item.get("national") or ()), indicators=tuple(item.get("indicators") or ()),
                    prefixes=tuple(item.get("prefixes") or ()))
        for item in catalog.common.get("publication") or ())


def public_rows(frame: pl.DataFrame, grain: tuple[Publication, ...] | None) -> pl.Series:
    """True where a row belongs to the public table: its indicator's family (the first that covers it)
    publishes its period type for its level (a municipality or the nation). `grain` None: every row
    (no global recoding). An indicator no family covers is not public."""
    if grain is None:
        return pl.Series("public", [True] * frame.height, dtype=pl.Boolean)
    names = frame["indicator"].cast(pl.Utf8).fill_null("").unique().to_list()
    allowed = []
    for name in names:
        family = next((f for f in grain if f.covers(name)), None)
        if family is None:
            continue
        allowed += [(name, NATIONAL, pt) for pt in family.national]
        allowed += [(name, "kommune", pt) for pt in family.kommune]
    table = pl.DataFrame(allowed, schema={"indicator": pl.Utf8, "_level": pl.Utf8, "period_type": pl.Utf8},
                         orient="row").with_columns(pl.lit(True).alias("public"))
    keyed = frame.select(
        pl.col("indicator").cast(pl.Utf8), pl.col("period_type").cast(pl.Utf8),
        pl.when(pl.col("kommunekode") == NATIONAL).then(pl.lit(NATIONAL)).otherwise(pl.lit("kommune")).alias("_level"))
    return keyed.join(table, on=["indicator", "_level", "period_type"], how="left", maintain_order="left")[
        "public"].fill_null(False)


@dataclass(frozen=True)
class Composite:
    """`indicator` is made of the rows of the same cell whose code starts with `parts_prefix` (the fidelity
    index of the fidelity rules): it is hidden when every part that counts anything (a positive
    denominator) is hidden, so a composite never speaks for parts the reader may not see."""

    indicator: str
    parts_prefix: str


@dataclass(frozen=True)
class DisclosurePolicy:
    threshold: int = field(default_factory=lambda: default_threshold())
    margins: tuple[Margin, ...] = (
        Margin("starts", parts_prefix="starts_age_"),
        Margin("starts", parts_prefix="starts_sex_"),
        Margin("starts", parts_prefix="starts_reason_"),
        Margin("ended_total", parts=("ended_completed", "ended_interrupted")),
        Margin("ended_total", parts_prefix="ended_reason_"),
    )
    stock_flows: tuple[StockFlow, ...] = (StockFlow("active_end", "starts", "ended_total"),)
    cumulatives: tuple[Cumulative, ...] = (Cumulative("target_attainment_ytd", "starts"),)
    partitions: tuple[Partition, ...] = (
        Partition(("instrument_reliably_improved", "instrument_unchanged", "instrument_deteriorated")),
    )
    follows: tuple[Follows, ...] = (Follows("target_projection_year_end", "target_attainment_ytd"),)
    composites: tuple[Composite, ...] = (Composite("fidelity_index", "fidelity_rule_"),)
    # indicators that count no people (never hidden; see the module docstring): exact names and prefixes
    exempt: tuple[str, ...] = ("target_year",)
    exempt_prefixes: tuple[str, ...] = ("milestones_",)
    # rates whose denominator is not a people count (the target): only the numerator is checked
    denominator_not_people: tuple[str, ...] = ("target_attainment_ytd", "target_projection_year_end")
    max_rounds: int = field(default=100)
    # the public table's grain (global recoding); None: every row is public (hand-made tables). The build
    # uses the catalog's (`DisclosurePolicy.from_catalog`).
    publication: tuple[Publication, ...] | None = None
    # rule 6, complementary suppression driven by the audit (udbredelse.disclosure_audit): at most this
    # many rounds of "audit, hide the cheapest published rows that bind a failing number"; then the
    # fallback (every people row of the intervention hidden). 0 = rules 1-4 only.
    audit_rounds: int = 0
    audit_insiders: bool = True  # audit as every municipality knowing its own cells, too
    audit_ilp_solves: int = 200  # the audit's integer-solve budget per round (a count: deterministic)

    @classmethod
    def from_catalog(cls, threshold: int | None = None, catalog: Any = None) -> DisclosurePolicy:
        policy = cls(publication=publication_grain(catalog), audit_rounds=30)
        return policy if threshold is None else replace(policy, threshold=threshold)

    def is_exempt(self, indicator: str) -> bool:
        return indicator in self.exempt or any(indicator.startswith(p) for p in self.exempt_prefixes)


def default_threshold() -> int:
    """The threshold's one default: the `Settings` field (`UDBREDELSE_SUPPRESSION_THRESHOLD` overrides it
    at build time; every reader then takes the applied value from catalog.parameters)."""
    from udbredelse.settings import Settings

    return int(Settings.model_fields["suppression_threshold"].default)


def threshold_from_parameters(parameters: Any) -> int:
    """The suppression threshold the build applied, from catalog.parameters (parameter, value).

    The build always writes it (udbredelse.catalog.tables); a table without it is a copy this code did
    not build, and guessing a threshold there would be guessing what may be published."""
    frame = parameters if isinstance(parameters, pl.DataFrame) else pl.DataFrame(parameters)
    hit = (frame.filter(pl.col("parameter") == "suppression_threshold")
           if not frame.is_empty() and "parameter" in frame.columns else frame.clear())
    if hit.is_empty() or hit["value"][0] is None:
        raise ValueError("catalog.parameters mangler suppression_threshold (diskretioneringsgrænsen); "
                         "kør `udbredelse build` igen.")
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

def round_published(frame: pl.DataFrame, decimals: int = DECIMALS) -> pl.DataFrame:
    """numerator, denominator and value rounded to `decimals` places. Whole numbers stay exact, and the
    published numbers no longer depend on the order in which a floating-point sum was taken upstream
    (565.1612999999999 and 565.1613 both publish as 565.1613)."""
    present = [c for c in NUMBER_COLUMNS if c in frame.columns]
    return frame.with_columns(pl.col(c).cast(pl.Float64).round(decimals) for c in present)


NOT_PUBLIC = "not_public"  # the mark of a row outside the public table's grain (global recoding)


def apply_disclosure(
    frame: pl.DataFrame, threshold: int | None = None, policy: DisclosurePolicy | None = None
) -> pl.DataFrame:
    """Return `frame` with the policy's verdicts: `public` (the row belongs to the public table, see
    `public_rows`), `suppressed` (hidden outside the municipality's own view) and `suppression` (the
    mark: 'primary', 'secondary', or 'not_public' for a row outside the public grain, which is
    suppressed too). Other columns untouched, rows in their input order. The verdicts depend only on
    the rows, not on their order."""
    policy = policy or DisclosurePolicy()
    if threshold is not None:
        policy = replace(policy, threshold=threshold)
    base = frame.drop("suppressed", "suppression", "public", strict=False)
    public = public_rows(base, policy.publication).to_numpy()
    suppressed = ~public
    kind = np.where(public, None, NOT_PUBLIC).astype(object)
    if public.any():
        rows = base.filter(pl.Series(public))
        hidden = _protect(rows, policy)
        unmarked = np.zeros(rows.height, dtype=bool)
        if policy.audit_rounds:
            # an insider knows its own rows outside the public grain too (the audit's insider reads them)
            hidden, unmarked = _audited(rows, hidden, policy, base.filter(pl.Series(~public)))
        where = np.flatnonzero(public)
        suppressed[where] = hidden
        kind[where] = _marks(rows, hidden, unmarked, policy).to_numpy()
    return base.with_columns(pl.Series("public", public, dtype=pl.Boolean),
                             pl.Series("suppressed", suppressed, dtype=pl.Boolean),
                             pl.Series("suppression", kind.tolist(), dtype=pl.Utf8))


def _protect(base: pl.DataFrame, policy: DisclosurePolicy, forced: np.ndarray | None = None) -> np.ndarray:
    """The hidden flags of the public rows `base` (input order): rules 1-4 until nothing changes,
    starting from the primary cells and the `forced` ones (input order)."""
    rows, codes = _encoded_rows(base, policy)
    components = _components(rows)
    follow, orphans = _follower(rows, codes, policy)
    hidden = _primary(rows, policy.threshold).to_numpy().copy()
    hidden[orphans] = True
    if forced is not None:
        hidden |= forced[codes["position"]]
    groups = _identity_groups(rows, components, policy, codes)
    link = _rate_linker(rows)
    compose = _composer(rows, codes, policy)

    for _ in range(policy.max_rounds):
        before = int(hidden.sum())
        hidden = compose(follow(link(hidden)))
        hidden = _secondary(groups, hidden)
        if int(hidden.sum()) == before:
            break
    verdicts = np.empty(base.height, dtype=bool)
    verdicts[codes["position"]] = hidden  # back to the input order
    return verdicts


def _audited(rows: pl.DataFrame, hidden: np.ndarray, policy: DisclosurePolicy,
             outside: pl.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rule 6: complementary suppression driven by the audit. Audit the public rows as an outsider; for
    each hidden number that fails the criterion, first show the "<5" rows among its relations' members as
    "skjult" (the band a mark publishes is what narrows a hidden partner), and only where none is left
    hide the cheapest published row that binds it (`_cheapest`); apply rules 1-5 again, and repeat until
    nothing fails. A hidden row the outsider already knows exactly is published (released: it tells
    nobody anything). Once the outsider's audit passes, the same as every municipality knowing all its
    own numbers (`outside`: its rows outside the public grain): all of them, then only those that failed
    the round before, then all again to confirm. Deterministic: the audit's budget is a number of solves
    and every choice is sorted. When nothing helps a failing number (a small world), every people row of
    its period (national and municipal, with a quarter's months) is hidden and shown "skjult", then of
    its year; if that does not converge within `audit_rounds`, every people row of the intervention (safe
    by construction for the public: only homogeneous relations are left; rows pinned to 0 are published).
    Returns (hidden, unmarked: a primary row shown "skjult")."""
    keys = rows.select(KEY_COLUMNS).with_row_index("_row")
    forced = np.zeros(rows.height, dtype=bool)
    unmarked = np.zeros(rows.height, dtype=bool)
    released = np.zeros(rows.height, dtype=bool)
    primary = breaks_primary(rows, policy.threshold, policy).to_numpy()
    people = ~rows.select(pl.col("indicator").cast(pl.Utf8).map_elements(
        policy.is_exempt, return_dtype=pl.Boolean))["indicator"].to_numpy()
    fallen: set[str] = set()
    period = rows["period"].cast(pl.Utf8)
    quarter = pl.Series([(parent_period(t, p) or ("", ""))[1] for t, p in
                         zip(rows["period_type"].cast(pl.Utf8).to_list(), period.to_list(), strict=True)])
    insiders = sorted(k for k in rows["kommunekode"].unique().to_list() if k != NATIONAL)
    if not policy.audit_insiders:
        insiders = []
    # the insiders audited this round: all of them, then only those that failed the round before, then
    # all again to confirm (hiding more or giving up a band only widens what anyone else can tell)
    suspects = insiders
    for round_ in range(policy.audit_rounds):
        result = _audit_round(rows, hidden & ~released, unmarked, policy, suspects, released, outside)
        pinned = result["pinned"].join(keys, on=KEY_COLUMNS)["_row"].to_numpy()
        pinned = pinned[~primary[pinned] & ~released[pinned]]
        released[pinned] = True  # the outsider knows them exactly: publishing tells nothing
        binding = result["binding"]
        if _TRACE:
            print(time.strftime("%H:%M:%S"), "audit round", round_, "hidden", int(hidden.sum()), "unmarked", int(unmarked.sum()),  # noqa: T201
                  "released", int(released.sum()), "failing", binding["failing"].n_unique() if binding is not None
                  else 0, "insiders", len(suspects), "failing insiders", len(result["failing_insiders"]))
        if binding is None and pinned.size == 0:  # the state returned is the state audited
            if suspects is insiders:
                return hidden & ~released, unmarked
            suspects = insiders  # confirm with every insider
            continue
        if result["outsider_passed"]:
            suspects = result["failing_insiders"] or insiders
        if binding is None:
            hidden &= ~released
            continue
        hide, unmark, _ = _cheapest(binding, policy.threshold)
        hide = hide.join(keys, on=KEY_COLUMNS)["_row"].to_numpy()
        unmark = unmark.join(keys, on=KEY_COLUMNS)["_row"].to_numpy()
        changed = (hide.size and not hidden[hide].all()) or (unmark.size and not unmarked[unmark].all()) \
            or (released & hidden).any()
        if not changed:
            # stuck (a small world: every row around a failing number is hidden or known): hide every
            # people row of its period (with the months of a quarter), national and municipal, shown
            # "skjult", and go on; a period already given up gives up its year
            periods = set(result["failures"]["period"].to_list())
            blocks = (periods - fallen) or {p[:4] for p in periods} - fallen
            if not blocks:
                break
            fallen |= blocks
            block = people & (period.is_in(sorted(blocks)) | period.str.slice(0, 4).is_in(sorted(blocks))
                              | quarter.is_in(sorted(blocks))).to_numpy()
            forced |= block
            unmarked |= block
            released &= ~block
        forced[hide] = True
        unmarked[unmark] = True
        hidden = _protect(rows, policy, forced | hidden) & ~released
    # the fallback, safe by construction: every people row hidden and shown "skjult" (all that is left
    # are homogeneous relations, under which any feasible point scaled is feasible too), then the rows
    # still pinned (zeros a zero total forces) published, as they tell nothing
    hidden, unmarked = hidden | people, unmarked | people
    released[:] = False
    for _ in range(policy.audit_rounds):
        result = _audit_round(rows, hidden & ~released, unmarked, policy, [], released)
        pinned = result["pinned"].join(keys, on=KEY_COLUMNS)["_row"].to_numpy()
        pinned = pinned[~primary[pinned] & ~released[pinned]]
        if pinned.size == 0:
            break
        released[pinned] = True
    return hidden & ~released, unmarked


def _audit_round(rows: pl.DataFrame, hidden: np.ndarray, unmarked: np.ndarray, policy: DisclosurePolicy,
                 insiders: list[str], released: np.ndarray, outside: pl.DataFrame | None = None) -> dict[str, Any]:
    """One audit of the rows as they would be published: the outsider's pinned rows, and what binds the
    failing numbers of the outsider and of every insider (None when nothing fails)."""
    from udbredelse.disclosure_audit import audit_published

    table = rows.with_columns(pl.Series("suppressed", hidden), _marks(rows, hidden, unmarked, policy),
                              pl.Series("released", released), pl.lit(True).alias("public"))
    if insiders and outside is not None and outside.height:  # rows outside the grain: the insiders' own
        table = pl.concat([table, outside.select(rows.columns).with_columns(
            pl.lit(True).alias("suppressed"), pl.lit(NOT_PUBLIC).alias("suppression"), pl.lit(False).alias("released"),
            pl.lit(False).alias("public"))], how="vertical_relaxed")
    binding, failures, pinned, failing_insiders, outsider_passed = [], [], None, [], True
    prepared: dict[str, Any] = {}  # the table's structure, built once for the public and every insider
    for insider in [None, *insiders]:
        result = audit_published(table, policy.threshold, insider=insider, policy=policy,
                                 ilp_solves=policy.audit_ilp_solves, prepared=prepared)
        if insider is None:
            pinned = result.pinned_rows
        if result.failures.height:
            binding.append(result.binding.with_columns(pl.lit(insider or "").alias("insider")))
            failures.append(result.failures.select(KEY_COLUMNS))
            if insider is None:
                outsider_passed = False
                break  # the insiders' audits once the outsider's passes (they know more: fewer rounds)
            failing_insiders.append(insider)
    return {"pinned": pinned, "binding": pl.concat(binding) if binding else None,
            "failures": pl.concat(failures) if failures else None, "outsider_passed": outsider_passed,
            "failing_insiders": failing_insiders}


def _marks(rows: pl.DataFrame, hidden: np.ndarray, unmarked: np.ndarray, policy: DisclosurePolicy) -> pl.Series:
    """`suppression_kind`, with the unmarked rows shown "skjult" ('secondary')."""
    kind = suppression_kind(rows, hidden, policy.threshold, policy)
    return pl.Series("suppression", np.where(unmarked & hidden & (kind == "primary").fill_null(False).to_numpy(),
                                             "secondary", kind.to_numpy()).tolist(), dtype=pl.Utf8)


def _cheapest(binding: pl.DataFrame, threshold: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The rows to hide next and the "<5" rows to show as "skjult" (KEY_COLUMNS each) for the failing
    numbers of an audit (`AuditResult.binding`, per `insider`), and the failing numbers they help
    (insider, failing). Hide every published number equal to a failing one. Otherwise the band a "<5"
    publishes is the cheapest thing to give up (the number stays hidden either way, and a band of 1-4
    beside a hidden partner is what narrows the partner): a failing number with "<5" rows among its
    relations' members gets them shown "skjult". Only where none is left, hide: in each relation of the
    failing number with the fewest unknowns, among the nearest that have a published member, the
    cheapest one: >= threshold (slack both ways) before smaller, the smallest value first, then by key."""
    who = ["insider", "failing"]
    equal = binding.filter(pl.col("relation") == -1)
    rest = binding.filter(pl.col("relation") != -1).join(equal.select(who).unique(), on=who, how="anti")
    banded = rest.filter((pl.col("action") == "unmark") & (pl.col("hop") == 0))
    published = rest.join(banded.select(who).unique(), on=who, how="anti").filter(pl.col("action") == "hide")
    nearest = published.filter(pl.col("hop") == pl.col("hop").min().over(who))
    fewest = nearest.filter(pl.col("unknowns") == pl.col("unknowns").min().over(who))
    chosen = fewest.with_columns((pl.col("v") < threshold).alias("_small")).sort(
        [*who, "relation", "_small", "v", *KEY_COLUMNS]).group_by([*who, "relation"], maintain_order=True).first()
    hide = pl.concat([equal.select(KEY_COLUMNS), chosen.select(KEY_COLUMNS)]).unique().sort(KEY_COLUMNS)
    helped = pl.concat([equal.select(who), chosen.select(who), banded.select(who)]).unique()
    return hide, banded.select(KEY_COLUMNS).unique().sort(KEY_COLUMNS), helped


def suppression_kind(frame: pl.DataFrame, hidden: Any, threshold: int, policy: DisclosurePolicy | None = None
                     ) -> pl.Series:
    """The honest mark of each row: 'primary' for a hidden count of 1..threshold-1 (shown as "<5": all a
    reader may learn is that it lies in that band), 'secondary' for every other hidden row (shown as
    "skjult": hidden so that a small number cannot be worked out; a rate hidden with its count is one),
    null where the row is published."""
    hidden = pl.Series(hidden, dtype=pl.Boolean)
    if frame.is_empty():
        return pl.Series("suppression", [], dtype=pl.Utf8)
    is_count = (frame["denominator"].is_null() & frame["value"].is_not_null()).to_numpy()
    primary = breaks_primary(frame, threshold, policy).to_numpy() & is_count
    flags = pl.DataFrame({"hidden": hidden, "primary": pl.Series(primary, dtype=pl.Boolean)})
    return flags.select(pl.when(pl.col("hidden")).then(
        pl.when(pl.col("primary")).then(pl.lit("primary")).otherwise(pl.lit("secondary"))
    ).otherwise(pl.lit(None, dtype=pl.Utf8)).alias("suppression"))["suppression"]


def _whole(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_not_null() & (expr == expr.round(0))).then(expr.round(0).cast(pl.Int64))


def _components(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per published whole number about people: (row_id, component 'n'|'d', v) plus the row's keys.
    Exempt rows and denominators that are not people take no part."""
    people = rows.filter(~pl.col("exempt"))
    count_part = people.filter(pl.col("is_count")).select(
        "row_id", *KEY_COLUMNS, pl.lit("n").alias("component"), _whole(pl.col("value")).alias("v")
    )
    derived = people.filter(~pl.col("is_count"))
    numerators = derived.filter(~pl.col("scaled")).select(
        "row_id", *KEY_COLUMNS, pl.lit("n").alias("component"), _whole(pl.col("numerator")).alias("v"))
    # a derived count (a follower's fractional numerator) in whole units of 10^-SCALED_DECIMALS: the
    # national projection is the sum of the municipalities' projections, an identity like any other
    scaled = derived.filter(pl.col("scaled")).select(
        "row_id", *KEY_COLUMNS, pl.lit("s").alias("component"),
        (pl.col("numerator") * 10**SCALED_DECIMALS).round(0).cast(pl.Int64).alias("v"))
    denominators = derived.filter(~pl.col("d_not_people")).select(
        "row_id", *KEY_COLUMNS, pl.lit("d").alias("component"), _whole(pl.col("denominator")).alias("v"))
    return pl.concat([count_part, numerators, scaled, denominators]).filter(pl.col("v").is_not_null())


def _small(expr: pl.Expr, threshold: int) -> pl.Expr:
    return expr.is_not_null() & (expr >= 1) & (expr <= threshold - 1)


def _primary_expr(threshold: int) -> pl.Expr:
    """Rule 1 on the columns numerator, denominator, value, is_count, exempt, d_not_people."""
    n = _whole(pl.col("numerator"))
    d = _whole(pl.col("denominator"))
    numerator = pl.col("numerator")
    # a fractional numerator scales a count it is at least as large as (a projection): 0 < it < threshold
    scaled_small = numerator.is_not_null() & (numerator != numerator.round(0)) & (numerator > 0) & (
        numerator < threshold)
    people_denominator = _small(d, threshold) | _small(d - n, threshold)
    count_small = pl.col("is_count") & _small(_whole(pl.col("value")), threshold)
    derived_small = ~pl.col("is_count") & (
        _small(n, threshold) | scaled_small | (~pl.col("d_not_people") & people_denominator).fill_null(False)
    )
    return ((count_small | derived_small).fill_null(False) & ~pl.col("exempt")).alias("hidden")


def _primary(rows: pl.DataFrame, threshold: int) -> pl.Series:
    return rows.select(_primary_expr(threshold))["hidden"]


def _flags(frame: pl.DataFrame, policy: DisclosurePolicy) -> list[pl.Expr]:
    """is_count, exempt, d_not_people and scaled (a follower: its numerator scales a count) from the
    (string) indicator code."""
    names = frame["indicator"].cast(pl.Utf8).fill_null("").unique().to_list()
    exempt = [name for name in names if policy.is_exempt(name)]
    return [
        (pl.col("denominator").is_null() & pl.col("value").is_not_null()).alias("is_count"),
        pl.col("indicator").cast(pl.Utf8).fill_null("").is_in(exempt).alias("exempt"),
        pl.col("indicator").cast(pl.Utf8).fill_null("").is_in(list(policy.denominator_not_people))
        .alias("d_not_people"),
        pl.col("indicator").cast(pl.Utf8).fill_null("").is_in([spec.indicator for spec in policy.follows])
        .alias("scaled"),
    ]


def _encoded_rows(base: pl.DataFrame, policy: DisclosurePolicy) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The rows with integer codes for the key columns (fast hashing and joins) and the code books.

    The rows are rounded (`round_published`) and sorted by all key columns, then by their numbers, so
    row_id (the final tie-break of every choice) does not depend on the input order; codes["position"]
    gives each row_id's position in the input."""
    keyed = round_published(base.select(KEY_COLUMNS + NUMBER_COLUMNS)).with_columns(
        *(pl.col(c).cast(pl.Utf8).fill_null("") for c in KEY_COLUMNS),
    ).with_columns(*_flags(base, policy)).with_row_index("_position")
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
        # the period code orders by (period_type, period): this is the order of all key columns
        .sort(["kommunekode", "indsats", "period", "indicator", *NUMBER_COLUMNS, "_position"], nulls_last=True)
    )
    position = rows["_position"].to_numpy()
    rows = rows.drop("_position").with_row_index("row_id").with_columns(pl.col("row_id").cast(pl.Int64))
    return rows, {"period_map": period_map, "national": kommuner.get(NATIONAL, -1), "indicators": indicators,
                  "position": position}


def _follower(rows: pl.DataFrame, codes: dict[str, Any], policy: DisclosurePolicy) -> tuple[Any, np.ndarray]:
    """Rule 4: a function hidden -> hidden that hides each follower row with its base row (same cell) and
    the base row with its follower (they publish the same count: a secondary suppression of the follower
    must not leave its count readable from the base), and the follower rows without a base row (hidden
    from the start)."""
    indicator_code = codes["indicators"]
    pairs = []
    for spec in policy.follows:
        if spec.indicator not in indicator_code:
            continue
        followers = rows.filter(pl.col("indicator") == indicator_code[spec.indicator]).select("row_id", *CELL_COLUMNS)
        bases = rows.filter(pl.col("indicator") == indicator_code.get(spec.base, -1)).select(
            pl.col("row_id").alias("base_row"), *CELL_COLUMNS)
        pairs.append(followers.join(bases, on=CELL_COLUMNS, how="left").select("row_id", "base_row"))
    if not pairs:
        return (lambda hidden: hidden), np.zeros(0, dtype=np.int64)
    pair = pl.concat(pairs)
    orphans = pair.filter(pl.col("base_row").is_null())["row_id"].to_numpy()
    linked = pair.drop_nulls()
    follower_rows, base_rows = linked["row_id"].to_numpy(), linked["base_row"].to_numpy()

    def follow(hidden: np.ndarray) -> np.ndarray:
        either = hidden[base_rows] | hidden[follower_rows]
        if not (either & ~(hidden[base_rows] & hidden[follower_rows])).any():
            return hidden
        hidden = hidden.copy()
        hidden[follower_rows[either]] = True
        hidden[base_rows[either]] = True
        return hidden

    return follow, orphans


def _composer(rows: pl.DataFrame, codes: dict[str, Any], policy: DisclosurePolicy) -> Any:
    """Rule 5: a function hidden -> hidden that hides each composite row (`DisclosurePolicy.composites`)
    whose parts in the same cell that count anything (denominator > 0) are all hidden."""
    indicator_code = codes["indicators"]
    pairs = []
    for spec in policy.composites:
        if spec.indicator not in indicator_code:
            continue
        part_codes = [code for name, code in indicator_code.items() if name.startswith(spec.parts_prefix)]
        composites = rows.filter(pl.col("indicator") == indicator_code[spec.indicator]).select(
            pl.col("row_id").alias("composite_row"), *CELL_COLUMNS)
        parts = rows.filter(pl.col("indicator").is_in(part_codes) & (pl.col("denominator") > 0)).select(
            pl.col("row_id").alias("part_row"), *CELL_COLUMNS)
        pairs.append(composites.join(parts, on=CELL_COLUMNS, how="inner").select("composite_row", "part_row"))
    pair = pl.concat(pairs) if pairs else pl.DataFrame(schema={"composite_row": pl.Int64, "part_row": pl.Int64})
    if pair.is_empty():
        return lambda hidden: hidden
    composite_rows, part_rows = pair["composite_row"].to_numpy(), pair["part_row"].to_numpy()

    def compose(hidden: np.ndarray) -> np.ndarray:
        size = hidden.size
        parts = np.bincount(composite_rows, minlength=size)
        hidden_parts = np.bincount(composite_rows, weights=hidden[part_rows].astype(np.int64), minlength=size)
        hit = (parts > 0) & (hidden_parts == parts) & ~hidden
        if not hit.any():
            return hidden
        return hidden | hit

    return compose


def _rate_linker(rows: pl.DataFrame) -> Any:
    """A function hidden -> hidden that hides derived rows whose numerator, denominator or difference
    equals a hidden count of the same cell (kommune, indsats, period)."""
    cell_hash = pl.struct(CELL_COLUMNS).hash(seed=11)
    rows = rows.filter(~pl.col("exempt"))
    people_d = pl.when(~pl.col("d_not_people")).then(_whole(pl.col("denominator")))
    counts = rows.filter(pl.col("is_count")).select(
        "row_id", _whole(pl.col("value")).alias("v"), cell_hash.alias("cell"))
    counts = counts.filter(pl.col("v") >= 1).select(
        "row_id", pl.struct("cell", "v").hash(seed=13).alias("key"))
    derived = rows.filter(~pl.col("is_count")).select(
        "row_id", cell_hash.alias("cell"),
        pl.concat_list(
            _whole(pl.col("numerator")), people_d, people_d - _whole(pl.col("numerator")),
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

    # partitions: the numerators of rates over one common denominator add up to it (checked per cell)
    for index, spec in enumerate(policy.partitions):
        part_codes = [indicator_code[name] for name in spec.parts if name in indicator_code]
        if len(part_codes) < 2:
            continue
        shares = comps.filter(pl.col("indicator").is_in(part_codes))
        numerators = shares.filter(pl.col("component") == "n").select("row_id", *cell, pl.col("v").alias("n"))
        denominators = shares.filter(pl.col("component") == "d").select("row_id", pl.col("v").alias("d"))
        paired = numerators.join(denominators, on="row_id", how="inner").with_columns(
            _key(f"partition{index}", *cell).alias("group_key"))
        holds = paired.group_by("group_key").agg(
            pl.len().alias("size"), pl.col("n").sum().alias("total"),
            pl.col("d").min().alias("low"), pl.col("d").max().alias("high"),
        ).filter((pl.col("size") == len(part_codes)) & (pl.col("low") == pl.col("high"))
                 & (pl.col("total") == pl.col("low")))
        members = pl.concat([members, paired.join(holds.select("group_key"), on="group_key", how="semi").select(
            "row_id", pl.col("n").alias("v"), "group_key", pl.lit(1).alias("sign"), pl.lit(False).alias("is_total"),
        )], how="vertical_relaxed")
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


def breaks_primary(frame: pl.DataFrame, threshold: int, policy: DisclosurePolicy | None = None) -> pl.Series:
    """Rule 1 alone, row by row (a people count 1..threshold-1, a derived row whose numerator, denominator
    or their difference is one, or a scaled count below the threshold; exempt indicators never): the
    check every reader that publishes rows uses, so the rule is written once."""
    policy = replace(policy or DisclosurePolicy(), threshold=threshold)
    if frame.is_empty():
        return pl.Series("hidden", [], dtype=pl.Boolean)
    return frame.select(*NUMBER_COLUMNS, "indicator").with_columns(*_flags(frame, policy)).select(
        _primary_expr(threshold))["hidden"]


def visible_small_counts(frame: pl.DataFrame, threshold: int, policy: DisclosurePolicy | None = None) -> pl.DataFrame:
    """Rows a public audience would see that break the primary rule (`breaks_primary`). Should be empty."""
    public = frame.filter(~pl.col("suppressed"))
    return public.filter(breaks_primary(public, threshold, policy))


def recomputable_cells(frame: pl.DataFrame, policy: DisclosurePolicy | None = None) -> pl.DataFrame:
    """Hidden rows that one verified identity would reveal (exactly one hidden member). Should be empty."""
    policy = policy or DisclosurePolicy()
    base = frame.drop("suppressed")
    if base.is_empty():
        return frame
    rows, codes = _encoded_rows(base, policy)
    groups = _identity_groups(rows, _components(rows), policy, codes)
    position = codes["position"]
    flags = pl.DataFrame({"row_id": np.arange(rows.height, dtype=np.int64),
                          "hidden": frame["suppressed"].to_numpy()[position]})
    members = groups.join(flags, on="row_id")
    lonely = members.group_by("group_id").agg(
        pl.col("row_id").filter(pl.col("hidden")).alias("hidden_rows")
    ).filter(pl.col("hidden_rows").list.len() == 1)
    row_ids: Iterable[int] = lonely["hidden_rows"].explode().to_list()
    positions = sorted({int(position[r]) for r in row_ids})
    return frame.with_row_index("_input_row").filter(pl.col("_input_row").is_in(positions)).drop("_input_row")
