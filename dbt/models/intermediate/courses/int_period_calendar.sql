-- The period calendar: every month, quarter and year from the first year with course data to the
-- latest reporting date, with first and last day and the previous period of the same type.
with courses as (
    select * from {{ ref('int_course_facts') }}
),

current_files as (
    select * from {{ ref('int_course_files_current') }}
),

course_bounds as (
    select least(min(referral_date), min(start_date), min(end_date)) as first_date
    from courses
),

bounds as (
    select
        date_trunc(
            'year',
            greatest(
                cast('{{ var("calendar_floor_date") }}' as date),
                coalesce(course_bounds.first_date, max(current_files.reporting_date))
            )
        ) as first_month,
        date_trunc('month', max(current_files.reporting_date)) as last_month
    from current_files
    cross join course_bounds
    group by course_bounds.first_date
),

months as (
    select cast(month_range.month_start as date) as month_start
    from bounds
    cross join
        range(
            bounds.first_month,
            bounds.last_month + interval 1 month,
            interval 1 month
        ) as month_range (month_start)
),

periods as (
    select
        'month' as period_type,
        strftime(month_start, '%Y-%m') as period,
        month_start as period_start,
        cast(month_start + interval 1 month - interval 1 day as date) as period_end,
        strftime(cast(month_start - interval 1 month as date), '%Y-%m') as previous_period
    from months
    union all
    select
        'quarter' as period_type,
        strftime(month_start, '%Y') || '-Q' || cast(quarter(month_start) as varchar) as period,
        month_start as period_start,
        cast(month_start + interval 3 month - interval 1 day as date) as period_end,
        strftime(cast(month_start - interval 3 month as date), '%Y')
        || '-Q' || cast(quarter(cast(month_start - interval 3 month as date)) as varchar) as previous_period
    from months
    where month(month_start) in (1, 4, 7, 10)
    union all
    select
        'year' as period_type,
        strftime(month_start, '%Y') as period,
        month_start as period_start,
        cast(month_start + interval 1 year - interval 1 day as date) as period_end,
        cast(year(month_start) - 1 as varchar) as previous_period
    from months
    where month(month_start) = 1
),

final as (
    select
        period_type,
        period,
        period_start,
        period_end,
        previous_period,
        cast(date_trunc('year', period_start) as date) as year_start
    from periods
)

select * from final
