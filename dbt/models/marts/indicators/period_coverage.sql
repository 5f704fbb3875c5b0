-- Provisional periods (README "Where is X defined?"): one row per intervention x period type x period
-- of the calendar up to the latest month any municipality has delivered. A period is provisional until
-- every municipality that reports the intervention has delivered it or its deadline has passed;
-- kommuner_delivered of kommuner_reporting is the national figure's coverage ("42 af 45 kommuner").
-- Quarters and years are provisional when any of their months is.
with reporting_periods as (
    select * from {{ ref('int_reporting_periods') }}
),

current_files as (
    select * from {{ ref('int_course_files_current') }}
),

targets as (
    select * from {{ ref('int_targets_latest') }}
),

calendar as (
    select * from {{ ref('int_period_calendar') }}
),

interventions as (
    select * from {{ ref('stg_catalog__interventions') }}
),

as_of as (
    select {{ delivery_as_of_date(ref('stg_raw__files')) }} as as_of_date
),

window_months as (
    -- the months of a municipality's current snapshot's window (the rows the national '000' pools)
    select
        kommunekode,
        indsats,
        period_start as month_start
    from reporting_periods
    where period_type = 'month'
),

participation as (
    -- a municipality reports an intervention from the first month of its current snapshot's window,
    -- or from the first year it has a target (måltal) for, whichever is earlier
    select
        kommunekode,
        indsats,
        min(first_month) as first_month
    from (
        select
            kommunekode,
            indsats,
            min(month_start) as first_month
        from window_months
        group by kommunekode, indsats
        union all
        select
            kommunekode,
            indsats,
            make_date(min(target_year), 1, 1) as first_month
        from targets
        group by kommunekode, indsats
    ) as starts
    group by kommunekode, indsats
),

frontiers as (
    -- the latest month any municipality has delivered: later months are in no national figure yet
    select
        indsats,
        max(month_start) as last_month
    from window_months
    group by indsats
),

months as (
    select period_start as month_start
    from calendar
    where period_type = 'month'
),

expected as (
    -- municipality x intervention x month it is expected to deliver (a target counts within its year)
    select
        participation.kommunekode,
        participation.indsats,
        months.month_start
    from participation
    inner join frontiers on participation.indsats = frontiers.indsats
    inner join months
        on
            participation.first_month <= months.month_start
            and frontiers.last_month >= months.month_start
    where
        exists (
            select 1
            from current_files
            where
                current_files.kommunekode = participation.kommunekode
                and current_files.indsats = participation.indsats
        )
        or exists (
            select 1
            from targets
            where
                targets.kommunekode = participation.kommunekode
                and targets.indsats = participation.indsats
                and targets.target_year = year(months.month_start)
        )
),

reporting_period_ends as (
    -- the end of the reporting period (catalog: month or quarter) each month is delivered in
    select
        expected.kommunekode,
        expected.indsats,
        expected.month_start,
        interventions.deadline_days,
        cast(
            case
                when interventions.reporting_period = 'quarter'
                    then date_trunc('quarter', expected.month_start) + interval 3 month
                else expected.month_start + interval 1 month
            end - interval 1 day as date
        ) as reporting_period_end
    from expected
    inner join interventions on expected.indsats = interventions.indsats
),

month_status as (
    select
        reporting_period_ends.kommunekode,
        reporting_period_ends.indsats,
        reporting_period_ends.month_start,
        -- delivered: the current snapshot reaches into the month (as int_reporting_periods' window end)
        coalesce(current_files.reporting_date >= reporting_period_ends.month_start, false) as is_delivered,
        {{ delivery_due_date('reporting_period_ends.reporting_period_end', 'reporting_period_ends.deadline_days') }}
            as due_date
    from reporting_period_ends
    left join current_files
        on
            reporting_period_ends.kommunekode = current_files.kommunekode
            and reporting_period_ends.indsats = current_files.indsats
),

months_judged as (
    select
        month_status.indsats,
        month_status.month_start,
        max(month_status.due_date) as due_date,
        count(*) as kommuner_reporting,
        count(*) filter (where month_status.is_delivered) as kommuner_delivered,
        bool_and(month_status.is_delivered) as all_delivered
    from month_status
    group by month_status.indsats, month_status.month_start
),

month_flags as (
    select
        months_judged.*,
        not months_judged.all_delivered and months_judged.due_date >= as_of.as_of_date as is_provisional
    from months_judged
    cross join as_of
),

periods as (
    -- every calendar period and the months in it
    select
        calendar.period_type,
        calendar.period,
        months.month_start
    from calendar
    inner join months
        on months.month_start between calendar.period_start and calendar.period_end
),

kommune_periods as (
    -- a municipality covers a period when it delivered every month it was expected in
    select
        month_status.indsats,
        periods.period_type,
        periods.period,
        month_status.kommunekode,
        bool_and(month_status.is_delivered) as is_covered
    from month_status
    inner join periods on month_status.month_start = periods.month_start
    group by month_status.indsats, periods.period_type, periods.period, month_status.kommunekode
),

period_flags as (
    select
        month_flags.indsats,
        periods.period_type,
        periods.period,
        max(month_flags.due_date) as deadline,
        bool_or(month_flags.is_provisional) as provisional
    from month_flags
    inner join periods on month_flags.month_start = periods.month_start
    group by month_flags.indsats, periods.period_type, periods.period
),

period_counts as (
    select
        indsats,
        period_type,
        period,
        count(*) as kommuner_reporting,
        count(*) filter (where is_covered) as kommuner_delivered
    from kommune_periods
    group by indsats, period_type, period
),

final as (
    select
        period_flags.indsats,
        period_flags.period_type,
        period_flags.period,
        cast(period_counts.kommuner_reporting as integer) as kommuner_reporting,
        cast(period_counts.kommuner_delivered as integer) as kommuner_delivered,
        period_flags.deadline,
        as_of.as_of_date,
        period_flags.provisional
    from period_flags
    inner join period_counts
        on
            period_flags.indsats = period_counts.indsats
            and period_flags.period_type = period_counts.period_type
            and period_flags.period = period_counts.period
    cross join as_of
)

select * from final
