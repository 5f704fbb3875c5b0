"""marts.indicators: the long indicator table of domain §9, with disclosure control applied.

Grain: one row per kommunekode ('000' = national) x indsats x period_type x period x indicator.
The unsuppressed rows come from int_indicators__unioned; udbredelse.disclosure sets `suppressed`
(true = hidden outside the municipality's own view) with the threshold from catalog.parameters.
The table is a pure function of the data, not of row order: numerator, denominator and value are
rounded to 8 decimals (whole numbers stay exact; float sums taken in another order publish the
same digits) before the policy, which sorts its input by the key columns before any choice.
"""

# The column order of domain §9.
COLUMNS = ["kommunekode", "indsats", "period_type", "period", "indicator", "numerator", "denominator", "value",
           "suppressed", "quality"]


def model(dbt, session):
    dbt.config(materialized="table")
    from udbredelse.disclosure import apply_disclosure, round_published, threshold_from_parameters

    indicators = round_published(dbt.ref("int_indicators__unioned").pl())
    parameters = dbt.source("catalog", "parameters").pl()
    protected = apply_disclosure(indicators, threshold=threshold_from_parameters(parameters))
    return protected.select(COLUMNS).to_arrow()
