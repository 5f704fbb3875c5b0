-- One row per kommune x indsats x complete reporting period: course starts in the period
-- (latest accepted snapshot) against the municipality's own history, as a z-score;
-- |z| >= 2 is a moderate and |z| >= 3 an extreme outlier (as in DHIS2).
with

snapshots as (
    select * from {{ ref('dq_course_snapshots') }}
    where is_latest
),

courses as (
    select * from {{ ref('stg_raw__courses') }}
),

interventions as (
    select * from {{ ref('stg_catalog__interventions') }}
),

latest_courses as (
    select
        snapshots.kommunekode,
        snapshots.indsats,
        snapshots.reporting_date,
        interventions.reporting_period,
        courses.start_date,
        cast(
            case
                when interventions.reporting_period = 'quarter'
                    then date_trunc('quarter', courses.start_date)
                else date_trunc('month', courses.start_date)
            end as date
        ) as period_start
    from courses
    inner join snapshots
        on courses.file_id = snapshots.file_id
    inner join interventions
        on snapshots.indsats = interventions.indsats
),

pair_ranges as (
    select
        kommunekode,
        indsats,
        reporting_period,
        min(period_start) as first_period_start,
        max(reporting_date) as reporting_date
    from latest_courses
    group by kommunekode, indsats, reporting_period
),

periods as (
    select
        kommunekode,
        indsats,
        reporting_period,
        first_period_start,
        cast(
            unnest(
                generate_series(
                    cast(first_period_start as timestamp),
                    cast(reporting_date as timestamp),
                    case
                        when reporting_period = 'quarter'
                            then interval 3 month
                        else interval 1 month
                    end
                )
            ) as date
        ) as period_start,
        reporting_date
    from pair_ranges
    where first_period_start is not null
),

complete_periods as (
    -- the period the snapshot falls in is only counted once it has ended, and the first
    -- period (the intervention usually starts part-way through it) is left out
    select *
    from periods
    where
        period_start > first_period_start
        and period_start
        + case
            when reporting_period = 'quarter' then interval 3 month
            else interval 1 month
        end
        - interval 1 day
        <= reporting_date
),

start_counts as (
    select
        kommunekode,
        indsats,
        period_start,
        count(*) as start_count
    from latest_courses
    where start_date is not null
    group by kommunekode, indsats, period_start
),

counted as (
    select
        complete_periods.kommunekode,
        complete_periods.indsats,
        complete_periods.reporting_period as period_type,
        complete_periods.period_start,
        coalesce(start_counts.start_count, 0) as start_count
    from complete_periods
    left join start_counts
        on
            complete_periods.kommunekode = start_counts.kommunekode
            and complete_periods.indsats = start_counts.indsats
            and complete_periods.period_start = start_counts.period_start
),

scored as (
    select
        *,
        count(*) over pair_window as history_periods,
        avg(start_count) over pair_window as history_mean,
        stddev_pop(start_count) over pair_window as history_sd
    from counted
    window pair_window as (partition by kommunekode, indsats)
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period_start,
        start_count,
        history_periods,
        history_mean,
        history_sd,
        case
            when period_type = 'quarter'
                then
                    strftime(period_start, '%Y')
                    || '-Q'
                    || cast(quarter(period_start) as varchar)
            else strftime(period_start, '%Y-%m')
        end as period,
        case
            when history_periods >= 4 and history_sd > 0
                then (start_count - history_mean) / history_sd
        end as z_score,
        case
            when history_periods < 4 or history_sd = 0 then 'none'
            when abs(start_count - history_mean) >= 3 * history_sd then 'extreme'
            when abs(start_count - history_mean) >= 2 * history_sd then 'moderate'
            else 'none'
        end as outlier_level
    from scored
)

select * from final
