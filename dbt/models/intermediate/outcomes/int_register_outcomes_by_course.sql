-- One row per course (current snapshot, person known, started) x catalog register indicator of its
-- intervention: value at baseline (any month in the 12 months before the start month), at 12 and at
-- 24 months after the start month. A follow-up value is empty until the latest registry month has
-- reached it; the baseline is empty unless the extract covers all 12 baseline months. PII-derived: person_id.
with courses as (
    select * from {{ ref('int_outcome_courses') }}
    where person_id is not null and start_date is not null
),

register_indicators as (
    select * from {{ source('catalog', 'register_indicators') }}
),

registry as (
    select * from {{ ref('int_registry_deduplicated') }}
),

registry_coverage as (
    select
        min(period_month) as first_registry_month,
        max(period_month) as latest_registry_month
    from registry
),

linked_persons as (
    select distinct person_id from registry
),

course_indicators as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        courses.person_id,
        courses.start_date,
        cast(date_trunc('month', courses.start_date) as date) as start_month,
        register_indicators.indicator_code,
        registry_coverage.first_registry_month,
        registry_coverage.latest_registry_month,
        year(courses.start_date) as cohort_year,
        linked_persons.person_id is not null as is_linked
    from courses
    inner join register_indicators on courses.indsats = register_indicators.indsats
    left join linked_persons on courses.person_id = linked_persons.person_id
    cross join registry_coverage
),

windows as (
    select
        course_indicators.*,
        cast(course_indicators.start_month + interval 12 month as date) as month_12m,
        cast(course_indicators.start_month + interval 24 month as date) as month_24m,
        course_indicators.start_month - interval 12 month as baseline_from_month,
        course_indicators.start_month - interval 1 month as baseline_to_month
    from course_indicators
),

valued as (
    select
        windows.kommunekode,
        windows.indsats,
        windows.course_id,
        windows.person_id,
        windows.start_date,
        windows.cohort_year,
        windows.indicator_code,
        windows.is_linked,
        windows.latest_registry_month,
        windows.month_12m,
        windows.month_24m,
        coalesce(
            windows.baseline_from_month >= windows.first_registry_month
            and windows.baseline_to_month <= windows.latest_registry_month,
            false
        ) as has_baseline,
        coalesce(windows.month_12m <= windows.latest_registry_month, false) as has_passed_12m,
        coalesce(windows.month_24m <= windows.latest_registry_month, false) as has_passed_24m,
        max(registry.indicator_value) filter (
            where registry.period_month between windows.baseline_from_month and windows.baseline_to_month
        ) as baseline_raw,
        max(registry.indicator_value) filter (where registry.period_month = windows.month_12m) as value_12m_raw,
        max(registry.indicator_value) filter (where registry.period_month = windows.month_24m) as value_24m_raw
    from windows
    left join registry
        on
            windows.person_id = registry.person_id
            and windows.indicator_code = registry.indicator_code
    group by all
),

-- A linked person without a row for the month counts as 0 (the extract lists the months a flag is set).
final as (
    select
        kommunekode,
        indsats,
        course_id,
        person_id,
        start_date,
        cohort_year,
        indicator_code,
        is_linked,
        latest_registry_month,
        month_12m,
        month_24m,
        has_baseline,
        has_passed_12m,
        has_passed_24m,
        case when is_linked and has_baseline then coalesce(baseline_raw, 0) end as value_baseline,
        case when is_linked and has_passed_12m then coalesce(value_12m_raw, 0) end as value_12m,
        case when is_linked and has_passed_24m then coalesce(value_24m_raw, 0) end as value_24m
    from valued
)

select * from final
