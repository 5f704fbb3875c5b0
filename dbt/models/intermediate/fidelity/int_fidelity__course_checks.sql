-- Every course-level fidelity check: one row per current course per rule of a course-level type
-- (dosage, duration, intensity, required_element, measurement_completeness). A new rule type gets
-- its own int_fidelity__<type> model and one line here; a new rule of an existing type is catalog data.
with final as (
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from {{ ref('int_fidelity__dosage') }}
    union all
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from {{ ref('int_fidelity__duration') }}
    union all
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from {{ ref('int_fidelity__intensity') }}
    union all
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from {{ ref('int_fidelity__required_element') }}
    union all
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from {{ ref('int_fidelity__measurement_completeness') }}
)

select * from final
