with source as (
    select * from {{ source('raw', 'files') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(original_name as varchar) as original_name,
        cast(source as varchar) as upload_source,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(file_type as varchar) as file_type,
        cast(reporting_date as date) as reporting_date,
        cast(rows_read as integer) as rows_read,
        cast(rows_accepted as integer) as rows_accepted,
        cast(rows_rejected as integer) as rows_rejected,
        cast(warnings as integer) as warning_count,
        cast(status as varchar) as file_status,
        cast(received_at as timestamp) as received_at,
        cast(supersedes as varchar) as supersedes_file_id
    from source
)

select * from renamed
