-- Instrument indicators per kommune x indsats x period (by the course's end date), plus the national
-- total ('000'). Unit = completed course x catalog instrument measured at start and end.
with changes as (
    select * from {{ ref('int_instrument_changes_classified') }}
    where status_code = 'gennemfoert' and end_date is not null
),

periods as (
    select * from {{ ref('int_period_calendar') }}
),

course_periods as (
    select
        changes.kommunekode,
        changes.indsats,
        periods.period_type,
        periods.period,
        changes.has_start_and_end,
        changes.improvement,
        changes.change_class
    from changes
    inner join periods on changes.end_date between periods.period_start and periods.period_end
),

with_national as (
    select * from course_periods
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        has_start_and_end,
        improvement,
        change_class
    from course_periods
),

counted as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        count(*) as n_courses,
        count(*) filter (where has_start_and_end) as n_measured,
        sum(improvement) filter (where has_start_and_end) as sum_improvement,
        count(*) filter (where change_class = 'improved') as n_improved,
        count(*) filter (where change_class = 'unchanged') as n_unchanged,
        count(*) filter (where change_class = 'deteriorated') as n_deteriorated
    from with_national
    group by kommunekode, indsats, period_type, period
),

rate_counts as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_measured_share' as indicator,
        n_measured as numerator,
        n_courses as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_reliably_improved' as indicator,
        n_improved as numerator,
        n_measured as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_unchanged' as indicator,
        n_unchanged as numerator,
        n_measured as denominator
    from counted
    union all
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_deteriorated' as indicator,
        n_deteriorated as numerator,
        n_measured as denominator
    from counted
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        case when denominator > 0 then numerator / denominator end as value
    from rate_counts
    union all
    -- A mean, not a rate: numerator empty, denominator = measured courses, value in score points.
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'instrument_mean_change' as indicator,
        cast(null as double) as numerator,
        cast(n_measured as double) as denominator,
        case when n_measured > 0 then sum_improvement / n_measured end as value
    from counted
)

select * from final
