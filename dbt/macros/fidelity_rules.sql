{#- A fidelity rule of a range type: one row per completed current course per catalog rule of
    `rule_type`, passed when the course's `measure_column` (from int_course_facts) lies within the
    rule's [min_value, max_value]; dated by the end date. A course without the measure fails.
    Used by int_fidelity__dosage (sessions) and int_fidelity__duration (days). -#}
{% macro range_rule_checks(rule_type, measure_column) -%}
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = '{{ rule_type }}'
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
        coalesce(courses.{{ measure_column }} between rules.min_value and rules.max_value, false) as is_passed
    from courses
    inner join rules on courses.indsats = rules.indsats
    where courses.is_completed
)

select * from final
{%- endmacro %}
