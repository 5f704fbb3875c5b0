-- Fidelity indicators, one row per kommunekode ('000' = national) x indsats x period x indicator:
-- fidelity_dosage and fidelity_duration (completed courses ended in the period within the catalog's
-- course model), fidelity_rule_<rule_code> for each catalog rule, and fidelity_index, the share of
-- all rule checks passed.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with course_periods as (
    select * from {{ ref('int_course_periods') }}
),

period_checks as (
    select * from {{ ref('int_fidelity__period_checks') }}
),

course_model as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        count(course_id) filter (
            where is_completed and end_date between period_start and period_end
        ) as completed_courses,
        count(course_id) filter (
            where is_completed and end_date between period_start and period_end and is_dosage_in_range
        ) as dosage_in_range,
        count(course_id) filter (
            where is_completed and end_date between period_start and period_end and is_duration_in_range
        ) as duration_in_range
    from course_periods
    group by kommunekode, indsats, period_type, period
),

rule_checks as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        checked,
        passed,
        'fidelity_rule_' || rule_code as indicator
    from period_checks
),

index_checks as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        sum(checked) as checked,
        sum(passed) as passed
    from period_checks
    group by kommunekode, indsats, period_type, period
),

final as (
    {{ ratio_indicator('course_model', 'fidelity_dosage', 'dosage_in_range', 'completed_courses') }}
    union all
    {{ ratio_indicator('course_model', 'fidelity_duration', 'duration_in_range', 'completed_courses') }}
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        cast(passed as double) as numerator,
        cast(checked as double) as denominator,
        case when checked > 0 then cast(passed as double) / checked end as value
    from rule_checks
    union all
    {{ ratio_indicator('index_checks', 'fidelity_index', 'passed', 'checked') }}
)

select * from final
where {{ refreshed_indsats_filter() }}
