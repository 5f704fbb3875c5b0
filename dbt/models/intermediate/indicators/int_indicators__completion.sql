-- Completion indicators, one row per kommunekode ('000' = national) x indsats x period x indicator:
-- active courses at the period's end (and those past the catalog's maximum duration), ended
-- courses by status and by end reason, completion rate, early drop-out and the median duration.
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

codes as (
    select * from {{ ref('stg_catalog__codes') }}
),

flagged as (
    select
        *,
        end_date between period_start and period_end as is_ended_in_period,
        is_started
        and start_date <= period_end
        and (end_date is null or end_date > period_end) as is_active_at_end
    from course_periods
),

aggregated as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        count(course_id) filter (where is_active_at_end) as active_end,
        count(course_id) filter (
            where is_active_at_end and date_diff('day', start_date, period_end) > duration_max_days
        ) as overdue_active,
        count(course_id) filter (where is_ended_in_period and is_completed) as ended_completed,
        count(course_id) filter (where is_ended_in_period and is_interrupted) as ended_interrupted,
        count(course_id) filter (where is_ended_in_period and is_ended) as ended_total,
        count(course_id) filter (where is_ended_in_period and is_early_dropout) as early_dropouts,
        count(course_id) filter (
            where is_ended_in_period and is_completed and duration_days >= 0
        ) as duration_courses,
        quantile_cont(duration_days, 0.5) filter (
            where is_ended_in_period and is_completed and duration_days >= 0
        ) as duration_days_median
    from flagged
    group by kommunekode, indsats, period_type, period
),

end_reasons as (
    select
        indsats,
        code as end_reason_key
    from codes
    where code_type = 'end_reason'
    union all
    select distinct
        indsats,
        'ukendt' as end_reason_key
    from codes
),

ended_by_reason as (
    select
        aggregated.kommunekode,
        aggregated.indsats,
        aggregated.period_type,
        aggregated.period,
        'ended_reason_' || end_reasons.end_reason_key as indicator,
        count(flagged.course_id) as ended_courses
    from aggregated
    inner join end_reasons on aggregated.indsats = end_reasons.indsats
    left join flagged
        on
            aggregated.kommunekode = flagged.kommunekode
            and aggregated.indsats = flagged.indsats
            and aggregated.period_type = flagged.period_type
            and aggregated.period = flagged.period
            and end_reasons.end_reason_key = flagged.end_reason_key
            and flagged.is_ended_in_period
            and flagged.is_ended
    group by all
),

final as (
    {{ count_indicator('aggregated', 'active_end', 'active_end') }}
    union all
    {{ count_indicator('aggregated', 'overdue_active', 'overdue_active') }}
    union all
    {{ count_indicator('aggregated', 'ended_completed', 'ended_completed') }}
    union all
    {{ count_indicator('aggregated', 'ended_interrupted', 'ended_interrupted') }}
    union all
    {{ count_indicator('aggregated', 'ended_total', 'ended_total') }}
    union all
    {{ ratio_indicator('aggregated', 'completion_rate', 'ended_completed', 'ended_total') }}
    union all
    {{ ratio_indicator('aggregated', 'early_dropout_rate', 'early_dropouts', 'ended_total') }}
    union all
    {{ statistic_indicator('aggregated', 'duration_days_median', 'duration_days_median', 'duration_courses') }}
    union all
    {{ breakdown_count_indicator('ended_by_reason', 'ended_courses') }}
)

select * from final
where {{ refreshed_indsats_filter() }}
