-- The current course snapshot per municipality and intervention: the latest accepted or partial
-- course file (by reporting date, then arrival). Each course file is a full snapshot that
-- replaces the previous one (README "File formats"); earlier files stay in raw for audit.
with files as (
    select * from {{ ref('stg_raw__files') }}
),

course_files as (
    select
        file_id,
        kommunekode,
        indsats,
        reporting_date,
        received_at,
        row_number() over (
            partition by kommunekode, indsats
            order by reporting_date desc, received_at desc, file_id desc
        ) as snapshot_rank
    from files
    where file_type = 'courses' and file_status in ('accepted', 'partial')
),

final as (
    select
        kommunekode,
        indsats,
        file_id,
        reporting_date,
        received_at
    from course_files
    where snapshot_rank = 1
)

select * from final
