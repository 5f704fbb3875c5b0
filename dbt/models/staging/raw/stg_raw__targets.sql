with source as (
    select * from {{ source('raw', 'targets') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(aar as integer) as target_year,
        cast(maaltal as integer) as target_courses
    from source
)

select * from renamed
