-- One row per kommune x indsats x catalog milestone x period (month, quarter, year) from the period of
-- support start to the as-of date. Each period is evaluated at the earlier of its last day and the
-- as-of date: done = reported 'opfyldt' with a date on or before then; overdue = not done and the due
-- date (support start + due_month months) before then.
with support as (
    select * from {{ ref('int_implementation_support_started') }}
),

catalog_milestones as (
    select * from {{ source('catalog', 'milestones') }}
),

latest as (
    select * from {{ ref('int_milestones_latest') }}
),

periods as (
    select * from {{ ref('int_period_calendar') }}
),

support_milestones as (
    select
        support.kommunekode,
        support.indsats,
        support.support_start_date,
        support.as_of_date,
        catalog_milestones.milestone_code,
        catalog_milestones.factor,
        catalog_milestones.phase,
        catalog_milestones.due_month,
        cast(support.support_start_date + to_months(catalog_milestones.due_month) as date) as due_date,
        latest.status_date,
        coalesce(latest.status_code, 'ikke_startet') as status_code
    from support
    inner join catalog_milestones on support.indsats = catalog_milestones.indsats
    left join latest
        on
            support.kommunekode = latest.kommunekode
            and support.indsats = latest.indsats
            and catalog_milestones.milestone_code = latest.milestone_code
),

evaluated as (
    select
        support_milestones.*,
        periods.period_type,
        periods.period,
        least(periods.period_end, support_milestones.as_of_date) as evaluated_at
    from support_milestones
    inner join periods
        on
            support_milestones.support_start_date <= periods.period_end
            and support_milestones.as_of_date >= periods.period_start
),

final as (
    select
        kommunekode,
        indsats,
        milestone_code,
        factor,
        phase,
        period_type,
        period,
        evaluated_at,
        support_start_date,
        due_date,
        status_code,
        status_date,
        coalesce(status_code = 'opfyldt' and coalesce(status_date, as_of_date) <= evaluated_at, false) as is_done,
        coalesce(status_code in ('i_gang', 'opfyldt') and coalesce(status_date, as_of_date) <= evaluated_at, false)
            as is_started,
        not coalesce(status_code = 'opfyldt' and coalesce(status_date, as_of_date) <= evaluated_at, false)
        and due_date < evaluated_at as is_overdue
    from evaluated
)

select * from final
