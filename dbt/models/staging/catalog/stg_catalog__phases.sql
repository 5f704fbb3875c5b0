with source as (
    select * from {{ source('catalog', 'phases') }}
),

renamed as (
    select
        cast(indsats as varchar) as indsats,
        cast(phase_code as varchar) as phase_code,
        cast(label as varchar) as label,
        cast(phase_order as integer) as phase_order,
        cast(from_day as integer) as from_day,
        cast(to_day as integer) as to_day
    from source
)

select * from renamed
