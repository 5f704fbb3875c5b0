with source as (
    select * from {{ source('raw', 'sessions') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(forloeb_id as varchar) as course_id,
        cast(sessionsdato as date) as session_date
    from source
)

select * from renamed
