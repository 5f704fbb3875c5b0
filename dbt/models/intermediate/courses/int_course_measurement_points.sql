-- The measurement points reported for each course: one row per kommunekode x indsats x course_id x
-- instrument x point (start, slut, opfoelgning) with a score, from any accepted measurements file.
with measurements as (
    select * from {{ ref('stg_raw__measurements') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

final as (
    select distinct
        measurements.kommunekode,
        measurements.indsats,
        measurements.course_id,
        measurements.instrument_code,
        measurements.measurement_point
    from measurements
    inner join files on measurements.file_id = files.file_id
    where files.file_status in ('accepted', 'partial') and measurements.score is not null
)

select * from final
