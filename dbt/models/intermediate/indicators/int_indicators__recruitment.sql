-- Recruitment indicators, one row per kommunekode ('000' = national) x indsats x period x indicator:
-- referrals, starts, referral->start conversion, waiting time (median, share within the catalog's
-- limit), target attainment year to date, and the profile at start (age band, sex, referral reason).
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

targets as (
    select * from {{ ref('int_targets_latest') }}
),

codes as (
    select * from {{ ref('stg_catalog__codes') }}
),

aggregated as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        count(course_id) filter (where referral_date between period_start and period_end) as referrals,
        count(course_id) filter (where start_date between period_start and period_end) as starts,
        count(course_id) filter (
            where referral_date between period_start and period_end and is_started
        ) as referrals_started,
        count(course_id) filter (
            where start_date between period_start and period_end and waiting_days >= 0
        ) as waiting_courses,
        count(course_id) filter (
            where start_date between period_start and period_end and waiting_days >= 0 and is_waiting_within_limit
        ) as waiting_within_limit,
        quantile_cont(waiting_days, 0.5) filter (
            where start_date between period_start and period_end and waiting_days >= 0
        ) as waiting_days_median
    from course_periods
    group by kommunekode, indsats, period_type, period
),

starts_to_date as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        year(max(period_start)) as period_year,
        count(course_id) filter (where start_date between year_start and period_end) as starts_ytd
    from course_periods
    group by kommunekode, indsats, period_type, period
),

municipal_attainment as (
    select
        starts_to_date.kommunekode,
        starts_to_date.indsats,
        starts_to_date.period_type,
        starts_to_date.period,
        starts_to_date.starts_ytd,
        targets.target_courses
    from starts_to_date
    left join targets
        on
            starts_to_date.kommunekode = targets.kommunekode
            and starts_to_date.indsats = targets.indsats
            and starts_to_date.period_year = targets.target_year
    where starts_to_date.kommunekode != '000'
),

-- Nationally, attainment counts the starts of the municipalities that have a target.
attainment as (
    select * from municipal_attainment
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        coalesce(sum(starts_ytd) filter (where target_courses is not null), 0) as starts_ytd,
        sum(target_courses) as target_courses
    from municipal_attainment
    group by indsats, period_type, period
),

profile_categories as (
    select
        'age' as dimension,
        unnest({{ age_bands() }}) as category,
        cast(null as varchar) as indsats
    union all
    select
        'sex' as dimension,
        unnest(['m', 'k', 'ukendt']) as category,
        cast(null as varchar) as indsats
    union all
    select
        'reason' as dimension,
        code as category,
        indsats
    from codes
    where code_type = 'referral_reason'
    union all
    select
        'reason' as dimension,
        'ukendt' as category,
        cast(null as varchar) as indsats
),

period_categories as (
    select
        periods.kommunekode,
        periods.indsats,
        periods.period_type,
        periods.period,
        profile_categories.dimension,
        profile_categories.category
    from aggregated as periods
    inner join profile_categories
        on profile_categories.indsats is null or periods.indsats = profile_categories.indsats
),

started_categories as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        course_id,
        'age' as dimension,
        age_band as category
    from course_periods
    where start_date between period_start and period_end
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        course_id,
        'sex' as dimension,
        sex_code as category
    from course_periods
    where start_date between period_start and period_end
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        course_id,
        'reason' as dimension,
        referral_reason_key as category
    from course_periods
    where start_date between period_start and period_end
),

profile as (
    select
        period_categories.kommunekode,
        period_categories.indsats,
        period_categories.period_type,
        period_categories.period,
        'starts_' || period_categories.dimension || '_' || period_categories.category as indicator,
        count(started_categories.course_id) as starts_in_category
    from period_categories
    left join started_categories
        on
            period_categories.kommunekode = started_categories.kommunekode
            and period_categories.indsats = started_categories.indsats
            and period_categories.period_type = started_categories.period_type
            and period_categories.period = started_categories.period
            and period_categories.dimension = started_categories.dimension
            and period_categories.category = started_categories.category
    group by all
),

final as (
    {{ count_indicator('aggregated', 'referrals', 'referrals') }}
    union all
    {{ count_indicator('aggregated', 'starts', 'starts') }}
    union all
    {{ ratio_indicator('aggregated', 'conversion_referral_start', 'referrals_started', 'referrals') }}
    union all
    {{ statistic_indicator('aggregated', 'waiting_days_median', 'waiting_days_median', 'waiting_courses') }}
    union all
    {{ ratio_indicator('aggregated', 'waiting_within_limit', 'waiting_within_limit', 'waiting_courses') }}
    union all
    {{ ratio_indicator('attainment', 'target_attainment_ytd', 'starts_ytd', 'target_courses') }}
    union all
    {{ breakdown_count_indicator('profile', 'starts_in_category') }}
)

select * from final
where {{ refreshed_indsats_filter() }}
