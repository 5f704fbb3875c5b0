-- One row per kommune x indsats x accepted course snapshot (a corrected file for the same
-- reporting date replaces the earlier one). Base for completeness, consistency and outliers.
with

files as (
    select * from {{ ref('stg_raw__files') }}
),

snapshot_files as (
    select
        file_id,
        kommunekode,
        indsats,
        reporting_date,
        received_at,
        file_status
    from files
    where
        file_type = 'courses'
        and file_status in ('accepted', 'partial')
),

deduplicated as (
    select *
    from snapshot_files
    qualify row_number() over (
        partition by kommunekode, indsats, reporting_date
        order by received_at desc, file_id desc
    ) = 1
),

sequenced as (
    select
        file_id,
        kommunekode,
        indsats,
        reporting_date,
        received_at,
        file_status,
        row_number() over (
            partition by kommunekode, indsats order by reporting_date
        ) as snapshot_seq,
        count(*) over (partition by kommunekode, indsats) as snapshot_count
    from deduplicated
),

final as (
    select
        *,
        snapshot_seq = snapshot_count as is_latest
    from sequenced
)

select * from final
