-- The outcome area's indicators in the common long format (one row per kommunekode x indsats x
-- period_type x period x indicator): instruments, register follow-up and targets.
with instrument_indicators as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from {{ ref('int_instrument_indicators_aggregated') }}
),

register_indicators as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from {{ ref('int_register_indicators_aggregated') }}
),

target_indicators as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        numerator,
        denominator,
        value
    from {{ ref('int_target_indicators_aggregated') }}
),

unioned as (
    select * from instrument_indicators
    union all
    select * from register_indicators
    union all
    select * from target_indicators
),

final as (
    select
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(period_type as varchar) as period_type,
        cast(period as varchar) as period,
        cast(indicator as varchar) as indicator,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(value as double) as value
    from unioned
)

select * from final
