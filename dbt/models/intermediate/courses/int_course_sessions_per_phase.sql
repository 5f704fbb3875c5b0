-- One row per started current course per catalog phase: the sessions held in the phase's days
-- [from_day, to_day) counted from the start date, against the number of days it has run so far.
with courses as (
    select * from {{ ref('int_courses_current') }}
),

phases as (
    select * from {{ ref('stg_catalog__phases') }}
),

sessions as (
    select * from {{ ref('int_course_sessions') }}
),

final as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        phases.phase_code,
        phases.phase_order,
        phases.from_day,
        phases.to_day,
        count(sessions.session_date) as session_count,
        date_diff('day', courses.start_date, coalesce(courses.end_date, courses.reporting_date))
        >= phases.to_day as is_phase_complete
    from courses
    inner join phases on courses.indsats = phases.indsats
    left join sessions
        on
            courses.kommunekode = sessions.kommunekode
            and courses.indsats = sessions.indsats
            and courses.course_id = sessions.course_id
            and phases.from_day <= sessions.course_day
            and phases.to_day > sessions.course_day
    where courses.start_date is not null
    group by all
)

select * from final
