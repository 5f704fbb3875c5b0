-- One row per kommune x indsats x reporting period (month, quarter, year; int_reporting_periods, the
-- same periods as target_attainment_ytd) of a year with a target: starts so far this year and the
-- run-rate projection to year end. A period is evaluated at the earlier of its last day and the
-- as-of date (the course snapshot's reporting date).
with targets as (
    select * from {{ ref('int_targets_latest') }}
),

courses as (
    select * from {{ ref('int_outcome_courses') }}
),

periods as (
    select * from {{ ref('int_reporting_periods') }}
    where kommunekode != '000'
),

snapshot_dates as (
    select
        kommunekode,
        indsats,
        max(reporting_date) as snapshot_date
    from courses
    group by kommunekode, indsats
),

target_periods as (
    select
        targets.kommunekode,
        targets.indsats,
        targets.target_year,
        targets.target_courses,
        periods.period_type,
        periods.period,
        make_date(targets.target_year, 1, 1) as year_start,
        make_date(targets.target_year, 12, 31) as year_end,
        least(periods.period_end, coalesce(snapshot_dates.snapshot_date, targets.target_reporting_date))
            as evaluated_at
    from targets
    inner join periods
        on
            targets.kommunekode = periods.kommunekode
            and targets.indsats = periods.indsats
            and year(periods.period_start) = targets.target_year
    left join snapshot_dates
        on
            targets.kommunekode = snapshot_dates.kommunekode
            and targets.indsats = snapshot_dates.indsats
    where periods.period_start <= coalesce(snapshot_dates.snapshot_date, targets.target_reporting_date)
),

with_starts as (
    select
        target_periods.kommunekode,
        target_periods.indsats,
        target_periods.period_type,
        target_periods.period,
        target_periods.target_courses,
        target_periods.evaluated_at,
        date_diff('day', target_periods.year_start, target_periods.year_end) + 1 as days_in_year,
        date_diff('day', target_periods.year_start, target_periods.evaluated_at) + 1 as days_elapsed,
        count(courses.course_id) as starts_ytd
    from target_periods
    left join courses
        on
            target_periods.kommunekode = courses.kommunekode
            and target_periods.indsats = courses.indsats
            and courses.start_date between target_periods.year_start and target_periods.evaluated_at
    group by all
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        target_courses,
        evaluated_at,
        days_in_year,
        days_elapsed,
        starts_ytd,
        round(starts_ytd * days_in_year / days_elapsed, 4) as projected_starts
    from with_starts
)

select * from final
