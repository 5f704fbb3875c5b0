-- Caseload: one row per municipality x intervention x practitioner x period, with the courses the
-- practitioner had active at the period's end (started on or before it and not ended by then).
-- Practitioner ids are local to a municipality; courses without one are not counted.
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
