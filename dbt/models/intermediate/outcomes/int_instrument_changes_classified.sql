-- One row per course x catalog instrument measured at start and end: start and end score, the change,
-- the improvement (change signed so that positive = better) and the reliable-change class.
with courses as (
    select * from {{ ref('int_outcome_courses') }}
),

instruments as (
    select * from {{ source('catalog', 'instruments') }}
    where measured_at_start and measured_at_end
),

measurements as (
    select * from {{ ref('int_instrument_measurements_deduplicated') }}
),

course_instruments as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        courses.status_code,
        courses.start_date,
        courses.end_date,
        instruments.instrument_code,
        instruments.score_min,
        instruments.score_max,
        instruments.higher_is_better,
        instruments.reliable_change
    from courses
    inner join instruments on courses.indsats = instruments.indsats
),

-- Scores outside the catalog's range are treated as not measured.
valid_measurements as (
    select
        measurements.kommunekode,
        measurements.indsats,
        measurements.course_id,
        measurements.instrument_code,
        measurements.measurement_point,
        measurements.measurement_date,
        measurements.score
    from measurements
    inner join instruments
        on
            measurements.indsats = instruments.indsats
            and measurements.instrument_code = instruments.instrument_code
    where measurements.score between instruments.score_min and instruments.score_max
),

paired as (
    select
        course_instruments.*,
        start_m.score as score_start,
        start_m.measurement_date as measured_start_date,
        end_m.score as score_end,
        end_m.measurement_date as measured_end_date
    from course_instruments
    left join valid_measurements as start_m
        on
            course_instruments.kommunekode = start_m.kommunekode
            and course_instruments.indsats = start_m.indsats
            and course_instruments.course_id = start_m.course_id
            and course_instruments.instrument_code = start_m.instrument_code
            and start_m.measurement_point = 'start'
    left join valid_measurements as end_m
        on
            course_instruments.kommunekode = end_m.kommunekode
            and course_instruments.indsats = end_m.indsats
            and course_instruments.course_id = end_m.course_id
            and course_instruments.instrument_code = end_m.instrument_code
            and end_m.measurement_point = 'slut'
),

scored as (
    select
        *,
        score_start is not null and score_end is not null as has_start_and_end,
        score_end - score_start as score_change,
        case when higher_is_better then 1 else -1 end * (score_end - score_start) as improvement
    from paired
),

final as (
    select
        kommunekode,
        indsats,
        course_id,
        status_code,
        start_date,
        end_date,
        instrument_code,
        higher_is_better,
        reliable_change,
        score_start,
        measured_start_date,
        score_end,
        measured_end_date,
        has_start_and_end,
        score_change,
        improvement,
        case
            when not has_start_and_end then null
            when improvement >= reliable_change then 'improved'
            when improvement <= -reliable_change then 'deteriorated'
            else 'unchanged'
        end as change_class
    from scored
)

select * from final
