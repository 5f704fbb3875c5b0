-- Register cohort shares per kommune x indsats x start-year cohort (period_type 'year', period = start
-- year) and nationally ('000'): register_<indicator>_baseline / _12m / _24m. Only courses whose window
-- has passed count; a cohort with no such course gets no row.
with outcomes as (
    select * from {{ ref('int_register_outcomes_by_course') }}
    where is_linked
),

with_national as (
    select
        kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        value_baseline,
        value_12m,
        value_24m
    from outcomes
    union all
    select
        '000' as kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        value_baseline,
        value_12m,
        value_24m
    from outcomes
),

by_window as (
    select
        kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        'baseline' as register_window,
        value_baseline as value
    from with_national
    union all
    select
        kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        '12m' as register_window,
        value_12m as value
    from with_national
    union all
    select
        kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        '24m' as register_window,
        value_24m as value
    from with_national
),

counted as (
    select
        kommunekode,
        indsats,
        cohort_year,
        indicator_code,
        register_window,
        count(*) filter (where value > 0) as n_with_flag,
        count(value) as n_observed
    from by_window
    group by kommunekode, indsats, cohort_year, indicator_code, register_window
    having count(value) > 0
),

labelled as (
    select
        *,
        cast(cohort_year as varchar) as period,
        'register_' || indicator_code || '_' || register_window as indicator
    from counted
),

final as (
    select
        kommunekode,
        indsats,
        'year' as period_type,
        period,
        indicator,
        cast(n_with_flag as double) as numerator,
        cast(n_observed as double) as denominator,
        cast(n_with_flag as double) / n_observed as value
    from labelled
)

select * from final
