-- The courses the outcome models follow: each municipality's current (latest accepted) snapshot.
-- The one place where the outcome area depends on the dbt-core snapshot model.
with current_courses as (
    select * from {{ ref('int_courses_current') }}
),

final as (
    select
        kommunekode,
        indsats,
        course_id,
        person_id,
        status_code,
        referral_date,
        start_date,
        end_date,
        reporting_date
    from current_courses
)

select * from final
