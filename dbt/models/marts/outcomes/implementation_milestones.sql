-- One row per kommune x indsats in implementation support x catalog milestone: the milestone's
-- latest status, its due date and whether it is overdue at the pair's as-of date (for the dashboard).
with milestones as (
    select * from {{ ref('int_milestones_by_period') }}
    where period_type = 'month'
),

support as (
    select * from {{ ref('int_implementation_support_started') }}
),

catalog_milestones as (
    select * from {{ source('catalog', 'milestones') }}
),

milestone_phases as (
    select * from {{ source('catalog', 'milestone_phases') }}
),

as_of_rows as (
    select milestones.*
    from milestones
    inner join support
        on
            milestones.kommunekode = support.kommunekode
            and milestones.indsats = support.indsats
            and milestones.evaluated_at = support.as_of_date
),

final as (
    select
        as_of_rows.kommunekode,
        as_of_rows.indsats,
        as_of_rows.milestone_code,
        as_of_rows.factor,
        as_of_rows.phase,
        milestone_phases.label as phase_label,
        milestone_phases.phase_order,
        catalog_milestones.label,
        catalog_milestones.due_month,
        as_of_rows.status_code as status,
        as_of_rows.status_date,
        as_of_rows.support_start_date,
        as_of_rows.due_date,
        as_of_rows.evaluated_at as as_of_date,
        as_of_rows.is_done,
        as_of_rows.is_overdue
    from as_of_rows
    inner join catalog_milestones
        on
            as_of_rows.indsats = catalog_milestones.indsats
            and as_of_rows.milestone_code = catalog_milestones.milestone_code
    left join milestone_phases on as_of_rows.phase = milestone_phases.phase_code
)

select * from final
