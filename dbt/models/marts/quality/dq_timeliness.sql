-- One row per kommune x indsats x expected reporting period: was a usable file received,
-- by the deadline (period end + catalog deadline_days), and how many days late.
with

files as (
    select * from {{ ref('stg_raw__files') }}
),

interventions as (
    select * from {{ ref('stg_catalog__interventions') }}
),

as_of as (
    -- the latest arrival in the manifest, unless dbt var dq_as_of names the day (macros/reporting_deadline.sql)
    select {{ delivery_as_of_date('files') }} as as_of_date
),

delivery_files as (
    select
        kommunekode,
        indsats,
        file_type,
        reporting_date,
        received_at,
        file_status
    from files
    where
        file_type not in ('registry', 'targets')
        and kommunekode is not null
        and indsats is not null
        and reporting_date is not null
),

pairs as (
    -- course files are the required delivery; a pair without any (e.g. a track 2
    -- intervention that only reports milestones) is measured on its other files
    select
        kommunekode,
        indsats,
        bool_or(file_type = 'courses') as has_course_files
    from delivery_files
    group by kommunekode, indsats
),

relevant_files as (
    select
        delivery_files.*,
        interventions.reporting_period,
        interventions.deadline_days,
        cast(
            case
                when interventions.reporting_period = 'quarter'
                    then date_trunc('quarter', delivery_files.reporting_date)
                else date_trunc('month', delivery_files.reporting_date)
            end as date
        ) as period_start
    from delivery_files
    inner join pairs
        on
            delivery_files.kommunekode = pairs.kommunekode
            and delivery_files.indsats = pairs.indsats
    inner join interventions
        on delivery_files.indsats = interventions.indsats
    where
        delivery_files.file_type = 'courses'
        or not pairs.has_course_files
),

received_periods as (
    select
        kommunekode,
        indsats,
        period_start,
        min(received_at) as first_received_at,
        count(*) as usable_files
    from relevant_files
    where file_status in ('accepted', 'partial')
    group by kommunekode, indsats, period_start
),

rejected_periods as (
    select
        kommunekode,
        indsats,
        period_start,
        count(*) as rejected_files
    from relevant_files
    where file_status = 'rejected'
    group by kommunekode, indsats, period_start
),

pair_ranges as (
    select
        kommunekode,
        indsats,
        reporting_period,
        deadline_days,
        min(period_start) as first_period_start,
        max(period_start) as last_period_start
    from relevant_files
    group by kommunekode, indsats, reporting_period, deadline_days
),

bounds as (
    select
        min(pair_ranges.first_period_start) as min_start,
        greatest(
            max(pair_ranges.last_period_start), max(as_of.as_of_date)
        ) as max_date
    from pair_ranges
    cross join as_of
),

calendar as (
    select
        cast(
            unnest(
                generate_series(
                    cast(min_start as timestamp),
                    cast(max_date as timestamp),
                    interval 1 month
                )
            ) as date
        ) as month_start
    from bounds
),

candidate_periods as (
    select
        pair_ranges.kommunekode,
        pair_ranges.indsats,
        pair_ranges.reporting_period,
        pair_ranges.deadline_days,
        calendar.month_start as period_start,
        cast(
            calendar.month_start
            + case
                when pair_ranges.reporting_period = 'quarter'
                    then interval 3 month
                else interval 1 month
            end
            - interval 1 day as date
        ) as period_end
    from pair_ranges
    inner join calendar
        on pair_ranges.first_period_start <= calendar.month_start
    where
        pair_ranges.reporting_period = 'month'
        or month(calendar.month_start) in (1, 4, 7, 10)
),

expected_periods as (
    select
        candidate_periods.*,
        as_of.as_of_date,
        {{ delivery_due_date('candidate_periods.period_end', 'candidate_periods.deadline_days') }} as due_date,
        received_periods.first_received_at,
        coalesce(received_periods.usable_files, 0) as usable_files,
        coalesce(rejected_periods.rejected_files, 0) as rejected_files
    from candidate_periods
    cross join as_of
    left join received_periods
        on
            candidate_periods.kommunekode = received_periods.kommunekode
            and candidate_periods.indsats = received_periods.indsats
            and candidate_periods.period_start = received_periods.period_start
    left join rejected_periods
        on
            candidate_periods.kommunekode = rejected_periods.kommunekode
            and candidate_periods.indsats = rejected_periods.indsats
            and candidate_periods.period_start = rejected_periods.period_start
),

judged as (
    select
        *,
        first_received_at is not null as is_received,
        case
            when first_received_at is null
                then date_diff('day', due_date, as_of_date)
            else greatest(
                date_diff('day', due_date, cast(first_received_at as date)), 0
            )
        end as days_late
    from expected_periods
    where
        first_received_at is not null
        or due_date < as_of_date
),

labelled as (
    select
        *,
        is_received and days_late = 0 as is_on_time,
        is_received and days_late > 0 as is_late,
        case
            when reporting_period = 'quarter'
                then
                    strftime(period_start, '%Y')
                    || '-Q'
                    || cast(quarter(period_start) as varchar)
            else strftime(period_start, '%Y-%m')
        end as period,
        case
            when not is_received then 'missing'
            when days_late > 0 then 'late'
            else 'on_time'
        end as delivery_status,
        case
            when not is_received then 'mangler'
            when days_late > 0 then 'forsinket'
            else 'til tiden'
        end as delivery_status_label
    from judged
),

final as (
    select
        kommunekode,
        indsats,
        reporting_period as period_type,
        period,
        period_start,
        period_end,
        deadline_days,
        due_date,
        first_received_at,
        is_received,
        is_on_time,
        is_late,
        days_late,
        delivery_status,
        delivery_status_label,
        usable_files,
        rejected_files,
        as_of_date
    from labelled
)

select * from final
