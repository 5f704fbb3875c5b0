-- One row per course x instrument x measurement point (start/slut): the score from the most
-- recently reported measurements file; within that file the first start and the last end measurement.
with measurements as (
    select * from {{ ref('stg_raw__measurements') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

ranked_files as (
    select
        measurements.kommunekode,
        measurements.indsats,
        measurements.course_id,
        measurements.instrument_code,
        measurements.measurement_point,
        measurements.measurement_date,
        measurements.score,
        measurements.row_number,
        dense_rank() over (
            partition by
                measurements.kommunekode, measurements.indsats, measurements.course_id,
                measurements.instrument_code, measurements.measurement_point
            order by files.reporting_date desc, files.received_at desc, measurements.file_id desc
        ) as file_rank
    from measurements
    left join files on measurements.file_id = files.file_id
    where measurements.measurement_point in ('start', 'slut') and measurements.score is not null
),

picked as (
    select
        *,
        row_number() over (
            partition by kommunekode, indsats, course_id, instrument_code, measurement_point
            order by
                case when measurement_point = 'start' then measurement_date end asc nulls last,
                case when measurement_point = 'slut' then measurement_date end desc nulls last,
                row_number desc
        ) as pick_rank
    from ranked_files
    where file_rank = 1
),

final as (
    select
        kommunekode,
        indsats,
        course_id,
        instrument_code,
        measurement_point,
        measurement_date,
        score
    from picked
    where pick_rank = 1
)

select * from final
