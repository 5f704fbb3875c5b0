with source as (
    select * from {{ source('catalog', 'parameters') }}
),

renamed as (
    select
        cast(parameter as varchar) as parameter,
        cast(value as double) as parameter_value
    from source
)

select * from renamed
