with source as (
    select * from {{ source('raw', 'registry') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(person_id as varchar) as person_id,
        cast(periode as varchar) as period,
        cast(indikator as varchar) as indicator_code,
        cast(vaerdi as double) as indicator_value
    from source
)

select * from renamed
