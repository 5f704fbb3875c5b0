-- Fidelity rules of type intensity: one row per current course per rule whose window of days
-- [from_day, to_day) after the start has passed by the reporting date (and that was not
-- interrupted inside it), where the municipality reports sessions. Passed when at least `min`
-- sessions fell in the window; dated by the window's last day.
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = 'intensity'
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

sessions as (
    select * from {{ ref('int_course_sessions') }}
),

reporting_sessions as (
    select distinct
        kommunekode,
        indsats
    from sessions
),

windows as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        rules.rule_code,
        rules.rule_type,
        rules.from_day,
        rules.to_day,
        rules.min_value,
        cast(courses.start_date + rules.to_day - 1 as date) as check_date
    from courses
    inner join rules on courses.indsats = rules.indsats
    inner join reporting_sessions
        on courses.kommunekode = reporting_sessions.kommunekode and courses.indsats = reporting_sessions.indsats
    where
        courses.start_date is not null
        and courses.start_date + rules.to_day - 1 <= courses.reporting_date
        and not (courses.is_interrupted and courses.end_date < courses.start_date + rules.to_day - 1)
),

final as (
    select
        windows.kommunekode,
        windows.indsats,
        windows.course_id,
        windows.rule_code,
        windows.rule_type,
        windows.check_date,
        count(sessions.session_date) >= max(windows.min_value) as is_passed
    from windows
    left join sessions
        on
            windows.kommunekode = sessions.kommunekode
            and windows.indsats = sessions.indsats
            and windows.course_id = sessions.course_id
            and windows.from_day <= sessions.course_day
            and windows.to_day > sessions.course_day
    group by
        windows.kommunekode, windows.indsats, windows.course_id, windows.rule_code, windows.rule_type,
        windows.check_date
)

select * from final
