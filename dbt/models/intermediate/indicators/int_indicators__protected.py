"""The §9 indicator rows with disclosure control applied, for the refreshed interventions only.

Grain: one row per kommunekode ('000' = national) x indsats x period_type x period x indicator, as
int_indicators__unioned. udbredelse.disclosure sets `suppressed` (true = hidden outside the
municipality's own view) with the threshold from catalog.parameters.

The policy runs once per intervention: every published identity (national = Σ municipalities, the
period hierarchy, margins, stock-flow) lies within one intervention, so the verdicts of one
intervention depend only on its own rows. That makes a refresh cheap and exact: with
UDBREDELSE_REFRESH_INDSATS = "I,J" (set by udbredelse.transform.refresh_marts; see
macros/refresh_by_indsats.sql) this table holds only I and J, and int_indicators__suppression (the
intervention-partitioned store of all verdicts) replaces just their rows. Without the variable
(full build, or dbt run by hand) it holds every intervention.
The result is a pure function of the data, not of row order: numerator, denominator and value are
rounded to 8 decimals before the policy, which sorts its input by the key columns before any choice.
"""

import os

# The column order of domain §9 (the quality badge is added by marts.indicators).
COLUMNS = ["kommunekode", "indsats", "period_type", "period", "indicator", "numerator", "denominator", "value",
           "suppressed"]


def refreshed_indsats():
    """None = every intervention; otherwise the listed codes (possibly none)."""
    listed = os.environ.get("UDBREDELSE_REFRESH_INDSATS")
    if listed is None:
        return None
    return sorted({code.strip() for code in listed.split(",") if code.strip()})


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from udbredelse.disclosure import apply_disclosure, round_published, threshold_from_parameters

    threshold = threshold_from_parameters(dbt.source("catalog", "parameters").pl())
    unioned = dbt.ref("int_indicators__unioned")
    codes = refreshed_indsats()
    if codes is not None:
        quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in codes) or "null"
        unioned = unioned.filter(f"indsats in ({quoted})")
    indicators = round_published(unioned.pl())
    parts = [
        apply_disclosure(part, threshold=threshold).select(COLUMNS)
        for part in indicators.partition_by("indsats", maintain_order=False)
    ]
    protected = pl.concat(parts) if parts else apply_disclosure(indicators, threshold=threshold).select(COLUMNS)
    return protected.to_arrow()
