-- One row per session of a current course: the union of every accepted sessions file (a session
-- reported twice counts once), with the day of the course it fell on (start date = day 0).
with sessions as (
    select * from {{ ref('stg_raw__sessions') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

courses as (
    select * from {{ ref('int_courses_current') }}
),

accepted_sessions as (
    select distinct
        sessions.kommunekode,
        sessions.indsats,
        sessions.course_id,
        sessions.session_date
    from sessions
    inner join files on sessions.file_id = files.file_id
    where files.file_status in ('accepted', 'partial') and sessions.session_date is not null
),

final as (
    select
        accepted_sessions.kommunekode,
        accepted_sessions.indsats,
        accepted_sessions.course_id,
        accepted_sessions.session_date,
        date_diff('day', courses.start_date, accepted_sessions.session_date) as course_day
    from accepted_sessions
    inner join courses
        on
            accepted_sessions.kommunekode = courses.kommunekode
            and accepted_sessions.indsats = courses.indsats
            and accepted_sessions.course_id = courses.course_id
)

select * from final
