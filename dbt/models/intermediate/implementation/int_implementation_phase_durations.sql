-- One row per kommune x indsats x milestone phase x period in which the phase has begun: days spent
-- in the phase (Stages of Implementation Completion): from the first milestone of the phase started
-- or met to the last one met when all are met, else to the period's evaluation date (still running).
with milestones as (
    select * from {{ ref('int_milestones_by_period') }}
),

phases as (
    select
        kommunekode,
        indsats,
        phase,
        period_type,
        period,
        evaluated_at,
        min(status_date) filter (where is_started) as phase_started_date,
        bool_and(is_done) as is_phase_completed,
        max(status_date) filter (where is_done) as last_done_date
    from milestones
    group by kommunekode, indsats, phase, period_type, period, evaluated_at
),

final as (
    select
        kommunekode,
        indsats,
        phase,
        period_type,
        period,
        evaluated_at,
        phase_started_date,
        is_phase_completed,
        case when is_phase_completed then last_done_date end as phase_completed_date,
        date_diff(
            'day',
            phase_started_date,
            case when is_phase_completed then last_done_date else evaluated_at end
        ) as phase_days
    from phases
    where phase_started_date is not null
)

select * from final
