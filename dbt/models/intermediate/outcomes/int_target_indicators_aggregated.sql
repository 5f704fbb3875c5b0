-- Target indicators per kommune x indsats x period and nationally ('000'):
-- target_projection_year_end (projected starts by year end / the year's target) and target_year.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with projections as (
    select * from {{ ref('int_target_projections') }}
),

with_national as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        target_courses,
        projected_starts
    from projections
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        sum(target_courses) as target_courses,
        sum(projected_starts) as projected_starts
    from projections
    group by indsats, period_type, period
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'target_projection_year_end' as indicator,
        cast(projected_starts as double) as numerator,
        cast(target_courses as double) as denominator,
        case when target_courses > 0 then projected_starts / target_courses end as value
    from with_national
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'target_year' as indicator,
        cast(target_courses as double) as numerator,
        cast(null as double) as denominator,
        cast(target_courses as double) as value
    from with_national
    where period_type = 'year'
)

select * from final
where {{ refreshed_indsats_filter() }}
