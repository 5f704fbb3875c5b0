with source as (
    select * from {{ source('raw', 'course_items') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(forloeb_id as varchar) as course_id,
        cast(item_code as varchar) as item_code,
        cast(item_value as boolean) as is_item_present
    from source
)

select * from renamed
