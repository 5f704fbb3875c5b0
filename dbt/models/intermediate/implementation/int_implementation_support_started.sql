-- One row per kommune x indsats in implementation support (at least one milestone reported):
-- support start = the first activity seen for the pair, i.e. the earliest of a milestone started or
-- met (its date), a referral or a course start in the current snapshot; as-of = the latest
-- reporting date of a milestones file or course snapshot for the pair. Without any dated activity
-- the first reporting date of the milestones stands in for the start.
with milestones as (
    select * from {{ ref('int_milestones_latest') }}
),

courses as (
    select * from {{ ref('int_outcome_courses') }}
),

milestone_activity as (
    select
        kommunekode,
        indsats,
        min(status_date) filter (where status_code in ('i_gang', 'opfyldt')) as first_milestone_date,
        min(reporting_date) as milestones_first_reported_date,
        max(reporting_date) as milestones_reported_date
    from milestones
    group by kommunekode, indsats
),

course_activity as (
    select
        kommunekode,
        indsats,
        least(min(referral_date), min(start_date)) as first_course_date,
        max(reporting_date) as courses_reported_date
    from courses
    group by kommunekode, indsats
),

final as (
    select
        milestone_activity.kommunekode,
        milestone_activity.indsats,
        coalesce(
            least(milestone_activity.first_milestone_date, course_activity.first_course_date),
            milestone_activity.milestones_first_reported_date
        ) as support_start_date,
        greatest(milestone_activity.milestones_reported_date, course_activity.courses_reported_date)
            as as_of_date
    from milestone_activity
    left join course_activity
        on
            milestone_activity.kommunekode = course_activity.kommunekode
            and milestone_activity.indsats = course_activity.indsats
)

select * from final
