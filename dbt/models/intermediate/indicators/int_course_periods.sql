-- One row per course per reporting period of its municipality x intervention (periods without
-- courses kept once, with empty course columns), and the same rows again under kommunekode '000'
-- for the national total. The area models count over this with period-relative conditions.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
{%- set course_columns = [
    'indsats', 'period_type', 'period', 'period_start', 'period_end', 'year_start', 'course_id',
    'referral_date', 'start_date', 'end_date', 'status_code', 'is_started', 'is_completed',
    'is_interrupted', 'is_ended', 'duration_days', 'waiting_days', 'is_waiting_within_limit',
    'is_duration_in_range', 'is_dosage_in_range', 'is_early_dropout', 'duration_max_days',
    'age_band', 'sex_code', 'referral_reason_key', 'end_reason_key', 'practitioner_id'
] %}
with periods as (
    select * from {{ ref('int_reporting_periods') }}
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

municipal as (
    select
        periods.kommunekode,
        periods.indsats,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.year_start,
        courses.course_id,
        courses.referral_date,
        courses.start_date,
        courses.end_date,
        courses.status_code,
        courses.is_started,
        courses.is_completed,
        courses.is_interrupted,
        courses.is_ended,
        courses.duration_days,
        courses.waiting_days,
        courses.is_waiting_within_limit,
        courses.is_duration_in_range,
        courses.is_dosage_in_range,
        courses.is_early_dropout,
        courses.duration_max_days,
        courses.age_band,
        courses.sex_code,
        courses.referral_reason_key,
        courses.end_reason_key,
        courses.practitioner_id
    from periods
    left join courses
        on periods.kommunekode = courses.kommunekode and periods.indsats = courses.indsats
),

final as (
    {{ with_national('municipal', course_columns) }}
)

select * from final
where {{ refreshed_indsats_filter() }}
