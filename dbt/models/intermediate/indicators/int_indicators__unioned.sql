-- All indicator areas in the long format, before disclosure control: one row per kommunekode
-- ('000' = national) x indsats x period_type x period x indicator, with the municipality's
-- data-quality badge (marts.dq_scorecard). marts.indicators (a Python model) adds `suppressed`.
--
-- THE AREA LIST: every int_indicators__<area> model (columns kommunekode, indsats, period_type,
-- period, indicator, numerator, denominator, value) is one import CTE below and one branch of
-- `unioned`. Adding an area = one CTE + one `union all` branch.
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

scorecard as (
    select * from {{ ref('dq_scorecard') }}
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
        cast(unioned.value as double) as value,
        cast(scorecard.quality_badge as varchar) as quality
    from unioned
    left join scorecard
        on unioned.kommunekode = scorecard.kommunekode and unioned.indsats = scorecard.indsats
)

select * from final
