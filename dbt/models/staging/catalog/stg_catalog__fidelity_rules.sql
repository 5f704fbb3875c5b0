with source as (
    select * from {{ source('catalog', 'fidelity_rules') }}
),

renamed as (
    select
        cast(indsats as varchar) as indsats,
        cast(rule_code as varchar) as rule_code,
        cast(rule_type as varchar) as rule_type,
        cast(label as varchar) as label,
        cast(guidance as varchar) as guidance,
        cast(min_value as double) as min_value,
        cast(max_value as double) as max_value,
        cast(item_code as varchar) as item_code,
        cast(instrument_code as varchar) as instrument_code,
        cast(from_day as integer) as from_day,
        cast(to_day as integer) as to_day
    from source
)

select * from renamed
