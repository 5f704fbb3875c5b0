-- Instrument indicators per kommune x indsats x reporting period (by the course's end date), plus the
-- national total ('000'), for every reporting period of an intervention with a start-and-end
-- instrument (an empty period has denominator 0 and no value). Unit = completed course x instrument.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with changes as (
    select * from {{ ref('int_instrument_changes_classified') }}
    where status_code = 'gennemfoert' and end_date is not null
),

reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
    where kommunekode != '000'
),

-- The national total reports on every period some municipality reports on.
all_reporting_periods as (
    select
        kommunekode,
        indsats,
        period_type,
        period
    from reporting_periods
    union
    select distinct
        '000' as kommunekode,
        indsats,
        period_type,
        period
    from reporting_periods
),

instrument_interventions as (
    select distinct indsats from {{ source('catalog', 'instruments') }}
    where measured_at_start and measured_at_end
),

course_periods as (
    select
        changes.kommunekode,
        changes.indsats,
        reporting_periods.period_type,
        reporting_periods.period,
        changes.has_start_and_end,
        changes.improvement,
        changes.change_class
    from changes
    inner join reporting_periods
        on
            changes.kommunekode = reporting_periods.kommunekode
            and changes.indsats = reporting_periods.indsats
            and changes.end_date between reporting_periods.period_start and reporting_periods.period_end
),

with_national as (
    select * from course_periods
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        has_start_and_end,
        improvement,
        change_class
    from course_periods
),

course_counts as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        count(*) as n_courses,
        count(*) filter (where has_start_and_end) as n_measured,
        sum(improvement) filter (where has_start_and_end) as sum_improvement,
        count(*) filter (where change_class = 'improved') as n_improved,
        count(*) filter (where change_class = 'unchanged') as n_unchanged,
        count(*) filter (where change_class = 'deteriorated') as n_deteriorated
    from with_national
    group by kommunekode, indsats, period_type, period
),

counted as (
    select
        all_reporting_periods.kommunekode,
        all_reporting_periods.indsats,
        all_reporting_periods.period_type,
        all_reporting_periods.period,
        course_counts.sum_improvement,
        coalesce(course_counts.n_courses, 0) as n_courses,
        coalesce(course_counts.n_measured, 0) as n_measured,
        coalesce(course_counts.n_improved, 0) as n_improved,
        coalesce(course_counts.n_unchanged, 0) as n_unchanged,
        coalesce(course_counts.n_deteriorated, 0) as n_deteriorated
    from all_reporting_periods
    inner join instrument_interventions on all_reporting_periods.indsats = instrument_interventions.indsats
    left join course_counts
        on
            all_reporting_periods.kommunekode = course_counts.kommunekode
            and all_reporting_periods.indsats = course_counts.indsats
            and all_reporting_periods.period_type = course_counts.period_type
            and all_reporting_periods.period = course_counts.period
),

rate_counts as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_measured_share' as indicator,
        n_measured as numerator,
        n_courses as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_reliably_improved' as indicator,
        n_improved as numerator,
        n_measured as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_unchanged' as indicator,
        n_unchanged as numerator,
        n_measured as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_deteriorated' as indicator,
        n_deteriorated as numerator,
        n_measured as denominator
    from counted
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        case when denominator > 0 then numerator / denominator end as value
    from rate_counts
    union all
    -- A mean, not a rate: numerator empty, denominator = measured courses, value in score points.
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_mean_change' as indicator,
        cast(null as double) as numerator,
        cast(n_measured as double) as denominator,
        case when n_measured > 0 then sum_improvement / n_measured end as value
    from counted
)

select * from final
where {{ refreshed_indsats_filter() }}
