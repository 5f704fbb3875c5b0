"""The indicator rows with disclosure control applied (`suppressed`), for every intervention.

Grain: one row per kommunekode ('000' = national) x indsats x period_type x period x indicator, as
int_indicators__unioned. udbredelse.disclosure sets `public` (the row belongs to the public table:
the catalog's publication grain), `suppressed` (true = hidden outside the municipality's own view;
every row outside the public grain too) and `suppression` with the threshold from catalog.parameters;
marts.indicators adds the quality badge.

The policy runs once per intervention: every identity it protects (national = Σ municipalities, the
period hierarchy, margins, stock-flow) lies within one intervention, so an intervention's verdicts
are a function of its own rows alone. That makes a refresh cheap and exact. In a refresh
(udbredelse.transform.refresh_marts sets UDBREDELSE_REFRESH_INDSATS, see
macros/refresh_by_indsats.sql) the previous verdicts of an intervention are kept when its rows
(numbers rounded as published) are exactly those the previous build protected and it is not
listed; every other intervention is protected again. The comparison catches what the list cannot
know, e.g. a new course file that extends the shared period calendar for another intervention. In
a full build (the variable unset) every intervention is protected.
The result is a pure function of the data, not of row order: numerator, denominator and value are
rounded to 8 decimals before the policy, which sorts its input by the key columns before any choice.
"""

import os

KEY = ["kommunekode", "indsats", "period_type", "period", "indicator"]
NUMBERS = ["numerator", "denominator", "value"]
# The column order of README "The indicator table" (the quality badge is added by marts.indicators).
COLUMNS = [*KEY, *NUMBERS, "public", "suppressed", "suppression"]


def refreshed_indsats():
    """None in a full build; otherwise the interventions with new files (possibly none)."""
    from udbredelse.disclosure import REFRESH_INDSATS_ENV

    listed = os.environ.get(REFRESH_INDSATS_ENV)
    if listed is None:
        return None
    return {code.strip() for code in listed.split(",") if code.strip()}


def previous_verdicts(dbt, session):
    """The rows of the last build of this model, or None when there is none to reuse."""
    import duckdb

    this = f'"{dbt.this.database}"."{dbt.this.schema}"."{dbt.this.identifier}"'
    try:
        return session.sql(f"select {', '.join(COLUMNS)} from {this}").pl()  # noqa: S608 - dbt's own relation
    except duckdb.Error:  # first build, or a table of another shape: protect everything
        return None


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from udbredelse.disclosure import DisclosurePolicy, apply_disclosure, round_published, threshold_from_parameters

    threshold = threshold_from_parameters(dbt.source("catalog", "parameters").pl())
    rows = round_published(dbt.ref("int_indicators__unioned").pl()).select(KEY + NUMBERS)
    listed = refreshed_indsats()
    previous = previous_verdicts(dbt, session) if listed is not None else None
    kept = rows.clear().with_columns(pl.lit(False).alias("public"), pl.lit(False).alias("suppressed"),
                                     pl.lit(None, dtype=pl.Utf8).alias("suppression"))
    if previous is not None:
        identity = KEY + NUMBERS
        differing = pl.concat([
            rows.join(previous, on=identity, how="anti", nulls_equal=True).select("indsats"),
            previous.join(rows, on=identity, how="anti", nulls_equal=True).select("indsats"),
        ])
        redo = listed | set(differing.get_column("indsats").unique().to_list())
        kept = previous.filter(~pl.col("indsats").is_in(sorted(redo)))
        rows = rows.filter(pl.col("indsats").is_in(sorted(redo)))
    # the catalog's publication grain (global recoding) and the audit-driven complementary suppression
    policy = DisclosurePolicy.from_catalog(threshold)
    protected = [
        apply_disclosure(part, policy=policy).select(COLUMNS)
        for part in rows.partition_by("indsats", maintain_order=False)
    ]
    return pl.concat([kept.select(COLUMNS), *protected], how="vertical_relaxed").to_arrow()
