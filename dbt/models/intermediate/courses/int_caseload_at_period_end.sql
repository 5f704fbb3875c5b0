-- Caseload: one row per municipality x intervention x practitioner x period, with the courses the
-- practitioner had active at the period's end (started on or before it and not ended by then).
-- Practitioner ids are local to a municipality; courses without one are not counted.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with course_periods as (
    select * from {{ ref('int_course_periods') }}
),

final as (
    select
        kommunekode,
        indsats,
        practitioner_id,
        period_type,
        period,
        max(period_end) as period_end,
        count(course_id) as active_courses
    from course_periods
    where
        kommunekode != '000'
        and practitioner_id is not null
        and is_started
        and start_date <= period_end
        and (end_date is null or end_date > period_end)
    group by kommunekode, indsats, practitioner_id, period_type, period
)

select * from final
where {{ refreshed_indsats_filter() }}
