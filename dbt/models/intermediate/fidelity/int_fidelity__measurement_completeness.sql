-- Fidelity rules of type measurement_completeness: one row per completed current course per rule.
-- Passed when the rule's instrument was measured both at start and at the end (any accepted
-- measurements file); dated by the end date.
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = 'measurement_completeness'
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

measured_points as (
    select * from {{ ref('int_course_measurement_points') }}
),

final as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        rules.rule_code,
        rules.rule_type,
        courses.end_date as check_date,
        coalesce(
            bool_or(measured_points.measurement_point = 'start')
            and bool_or(measured_points.measurement_point = 'slut'),
            false
        ) as is_passed
    from courses
    inner join rules on courses.indsats = rules.indsats
    left join measured_points
        on
            courses.kommunekode = measured_points.kommunekode
            and courses.indsats = measured_points.indsats
            and courses.course_id = measured_points.course_id
            and rules.instrument_code = measured_points.instrument_code
    where courses.is_completed
    group by
        courses.kommunekode, courses.indsats, courses.course_id, rules.rule_code, rules.rule_type,
        courses.end_date
)

select * from final
