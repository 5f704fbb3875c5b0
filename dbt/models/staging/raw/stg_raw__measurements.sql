with source as (
    select * from {{ source('raw', 'measurements') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(forloeb_id as varchar) as course_id,
        cast(redskab as varchar) as instrument_code,
        cast(tidspunkt as varchar) as measurement_point,
        cast(dato as date) as measurement_date,
        cast(score as double) as score
    from source
)

select * from renamed
