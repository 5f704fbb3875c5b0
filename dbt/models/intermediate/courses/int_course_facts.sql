-- Facts per course of the current snapshot, derived once so every indicator uses the same
-- definitions: durations, waiting days, completion flags, profile categories, catalog limits.
with courses as (
    select * from {{ ref('int_courses_current') }}
),

interventions as (
    select * from {{ ref('stg_catalog__interventions') }}
),

joined as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        courses.file_id,
        courses.reporting_date,
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
        interventions.sessions_min,
        interventions.sessions_max,
        interventions.duration_min_days,
        interventions.duration_max_days,
        interventions.waiting_days_max,
        courses.start_date is not null as is_started,
        courses.status_code = 'gennemfoert' and courses.end_date is not null as is_completed,
        courses.status_code = 'afbrudt' and courses.end_date is not null as is_interrupted,
        date_diff('day', courses.start_date, courses.end_date) as duration_days,
        date_diff('day', courses.referral_date, courses.start_date) as waiting_days
    from courses
    left join interventions on courses.indsats = interventions.indsats
),

final as (
    select
        kommunekode,
        indsats,
        course_id,
        file_id,
        reporting_date,
        person_id,
        sex,
        age_at_start,
        referral_date,
        referral_reason_code,
        status_code,
        start_date,
        end_date,
        end_reason_code,
        session_count,
        practitioner_id,
        is_carried_forward,
        sessions_min,
        sessions_max,
        duration_min_days,
        duration_max_days,
        waiting_days_max,
        is_started,
        is_completed,
        is_interrupted,
        duration_days,
        waiting_days,
        is_completed or is_interrupted as is_ended,
        waiting_days <= waiting_days_max as is_waiting_within_limit,
        is_completed and duration_days between duration_min_days and duration_max_days
            as is_duration_in_range,
        is_completed and session_count between sessions_min and sessions_max as is_dosage_in_range,
        is_interrupted and duration_days <= {{ var('early_dropout_days') }} as is_early_dropout,
        {{ age_band('age_at_start') }} as age_band,
        case sex when 'M' then 'm' when 'K' then 'k' else 'ukendt' end as sex_code,
        coalesce(referral_reason_code, 'ukendt') as referral_reason_key,
        coalesce(end_reason_code, 'ukendt') as end_reason_key
    from joined
)

select * from final
