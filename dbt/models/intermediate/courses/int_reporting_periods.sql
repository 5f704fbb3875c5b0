-- The periods each municipality x intervention reports on: every calendar period that overlaps the
-- window from the first date in its current snapshot to its reporting date. Indicators are computed
-- for exactly these rows (an empty period reports 0, not nothing); the national total ('000') of a
-- period sums the municipalities that report on it.
with courses as (
    select * from {{ ref('int_course_facts') }}
),

current_files as (
    select * from {{ ref('int_course_files_current') }}
),

calendar as (
    select * from {{ ref('int_period_calendar') }}
),

first_dates as (
    select
        kommunekode,
        indsats,
        least(min(referral_date), min(start_date), min(end_date)) as first_date
    from courses
    group by kommunekode, indsats
),

municipal_windows as (
    select
        current_files.kommunekode,
        current_files.indsats,
        current_files.reporting_date as window_end,
        greatest(
            cast('{{ var("calendar_floor_date") }}' as date),
            coalesce(least(first_dates.first_date, current_files.reporting_date), current_files.reporting_date)
        ) as window_start
    from current_files
    left join first_dates
        on current_files.kommunekode = first_dates.kommunekode and current_files.indsats = first_dates.indsats
),

final as (
    select
        windows.kommunekode,
        windows.indsats,
        calendar.period_type,
        calendar.period,
        calendar.period_start,
        calendar.period_end,
        calendar.previous_period,
        calendar.year_start
    from municipal_windows as windows
    inner join calendar
        on windows.window_start <= calendar.period_end and windows.window_end >= calendar.period_start
)

select * from final
