-- All indicator areas in the long format, before disclosure control: one row per kommunekode
-- ('000' = national) x indsats x period_type x period x indicator. A view over the areas'
-- intervention-partitioned tables: int_indicators__protected reads only the refreshed
-- interventions through it and adds `suppressed`; marts.indicators adds the quality badge.
--
-- THE AREA LIST: every int_indicators__<area> model (columns kommunekode, indsats, period_type,
-- period, indicator, numerator, denominator, value) is one import CTE below and one branch of
-- `unioned`. Adding an area = one CTE + one `union all` branch.
{{ config(materialized='view') }}
with

recruitment as (
    select * from {{ ref('int_indicators__recruitment') }}
),

completion as (
    select * from {{ ref('int_indicators__completion') }}
),

fidelity as (
    select * from {{ ref('int_indicators__fidelity') }}
),

outcomes as (
    select * from {{ ref('int_indicators__outcomes') }}
),

implementation as (
    select * from {{ ref('int_indicators__implementation') }}
),

unioned as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from recruitment
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from completion
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from fidelity
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from outcomes
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from implementation
),

final as (
    select
        cast(unioned.kommunekode as varchar) as kommunekode,
        cast(unioned.indsats as varchar) as indsats,
        cast(unioned.period_type as varchar) as period_type,
        cast(unioned.period as varchar) as period,
        cast(unioned.indicator as varchar) as indicator,
        cast(unioned.numerator as double) as numerator,
        cast(unioned.denominator as double) as denominator,
        cast(unioned.value as double) as value
    from unioned
)

select * from final
