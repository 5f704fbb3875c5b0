-- The implementation area's indicators in the common long format (one row per kommunekode x indsats
-- x period_type x period x indicator): milestones done (overall, per factor, per phase), overdue
-- milestones and days spent per phase. National rows ('000') for the shares and the overdue count.
with milestones as (
    select * from {{ ref('int_milestones_by_period') }}
),

phase_durations as (
    select * from {{ ref('int_implementation_phase_durations') }}
),

with_national as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        factor,
        phase,
        is_done,
        is_overdue
    from milestones
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        factor,
        phase,
        is_done,
        is_overdue
    from milestones
),

done_overall as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'milestones_done_share' as indicator,
        count(*) filter (where is_done) as numerator,
        count(*) as denominator
    from with_national
    group by kommunekode, indsats, period_type, period
),

done_by_factor as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'milestones_done_share_' || factor as indicator,
        count(*) filter (where is_done) as numerator,
        count(*) as denominator
    from with_national
    group by kommunekode, indsats, period_type, period, factor
),

done_by_phase as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'milestones_done_share_' || phase as indicator,
        count(*) filter (where is_done) as numerator,
        count(*) as denominator
    from with_national
    group by kommunekode, indsats, period_type, period, phase
),

shares as (
    select * from done_overall
    union all
    select * from done_by_factor
    union all
    select * from done_by_phase
),

overdue as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'milestones_overdue' as indicator,
        count(*) filter (where is_overdue) as numerator
    from with_national
    group by kommunekode, indsats, period_type, period
),

final as (
    select
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(period_type as varchar) as period_type,
        cast(period as varchar) as period,
        cast(indicator as varchar) as indicator,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        case when denominator > 0 then numerator / denominator end as value
    from shares
    union all
    select
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(period_type as varchar) as period_type,
        cast(period as varchar) as period,
        cast(indicator as varchar) as indicator,
        cast(numerator as double) as numerator,
        cast(null as double) as denominator,
        cast(numerator as double) as value
    from overdue
    union all
    select
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(period_type as varchar) as period_type,
        cast(period as varchar) as period,
        cast('milestones_phase_days_' || phase as varchar) as indicator,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        cast(phase_days as double) as value
    from phase_durations
)

select * from final
