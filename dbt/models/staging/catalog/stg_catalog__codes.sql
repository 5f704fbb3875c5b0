with source as (
    select * from {{ source('catalog', 'codes') }}
),

renamed as (
    select
        cast(indsats as varchar) as indsats,
        cast(code_type as varchar) as code_type,
        cast(code as varchar) as code,
        cast(label as varchar) as label
    from source
)

select * from renamed
