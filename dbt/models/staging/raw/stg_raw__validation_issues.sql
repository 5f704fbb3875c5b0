with source as (
    select * from {{ source('raw', 'validation_issues') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(column_name as varchar) as column_name,
        cast(severity as varchar) as severity,
        cast(code as varchar) as issue_code,
        cast(message as varchar) as message,
        cast(value_masked as varchar) as value_masked
    from source
)

select * from renamed
