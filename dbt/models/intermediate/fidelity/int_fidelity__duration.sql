-- Fidelity rules of type duration: one row per completed current course per rule. Passed when the
-- days from start to end lie within the rule's [min, max]; dated by the end date.
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = 'duration'
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

final as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        rules.rule_code,
        rules.rule_type,
        courses.end_date as check_date,
        coalesce(courses.duration_days between rules.min_value and rules.max_value, false) as is_passed
    from courses
    inner join rules on courses.indsats = rules.indsats
    where courses.is_completed
)

select * from final
