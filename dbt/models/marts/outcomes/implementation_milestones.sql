-- One row per kommune x indsats in implementation support x catalog milestone: the milestone's
-- latest status, its due date and whether it is met or overdue at the pair's as-of date (for the
-- dashboard). Same rules as int_milestones_by_period, evaluated once at the as-of date.
with support as (
    select * from {{ ref('int_implementation_support_started') }}
),

catalog_milestones as (
    select * from {{ source('catalog', 'milestones') }}
),

milestone_phases as (
    select * from {{ source('catalog', 'milestone_phases') }}
),

latest as (
    select * from {{ ref('int_milestones_latest') }}
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
        catalog_milestones.label,
        catalog_milestones.due_month,
        latest.status_date,
        cast(support.support_start_date + to_months(catalog_milestones.due_month) as date) as due_date,
        coalesce(latest.status_code, 'ikke_startet') as status
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
        *,
        coalesce(status = 'opfyldt' and coalesce(status_date, as_of_date) <= as_of_date, false) as is_done
    from support_milestones
),

final as (
    select
        evaluated.kommunekode,
        evaluated.indsats,
        evaluated.milestone_code,
        evaluated.factor,
        evaluated.phase,
        milestone_phases.label as phase_label,
        milestone_phases.phase_order,
        evaluated.label,
        evaluated.due_month,
        evaluated.status,
        evaluated.status_date,
        evaluated.support_start_date,
        evaluated.due_date,
        evaluated.as_of_date,
        evaluated.is_done,
        not evaluated.is_done and evaluated.due_date < evaluated.as_of_date as is_overdue
    from evaluated
    left join milestone_phases on evaluated.phase = milestone_phases.phase_code
)

select * from final
