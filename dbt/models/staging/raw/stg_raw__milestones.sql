with source as (
    select * from {{ source('raw', 'milestones') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(milepael as varchar) as milestone_code,
        cast(status as varchar) as status_code,
        cast(dato as date) as status_date
    from source
)

select * from renamed
