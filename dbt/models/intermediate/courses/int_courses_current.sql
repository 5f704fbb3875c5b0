-- The courses of each municipality's current snapshot (rows carried forward from the previous
-- accepted snapshot included). A course id repeated within a file keeps its first row.
with current_files as (
    select * from {{ ref('int_course_files_current') }}
),

courses as (
    select * from {{ ref('stg_raw__courses') }}
),

snapshot_courses as (
    select
        current_files.kommunekode,
        current_files.indsats,
        courses.course_id,
        current_files.file_id,
        current_files.reporting_date,
        courses.person_id,
        courses.sex,
        courses.age_at_start,
        courses.referral_date,
        courses.referral_reason_code,
        courses.status_code,
        courses.start_date,
        courses.end_date,
        courses.end_reason_code,
        courses.session_count,
        courses.practitioner_id,
        courses.is_carried_forward,
        row_number() over (
            partition by current_files.kommunekode, current_files.indsats, courses.course_id
            order by courses.row_number
        ) as course_rank
    from current_files
    inner join courses on current_files.file_id = courses.file_id
),

final as (
    select * exclude (course_rank)
    from snapshot_courses
    where course_rank = 1
)

select * from final
