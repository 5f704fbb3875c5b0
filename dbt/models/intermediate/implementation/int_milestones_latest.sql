-- One row per kommune x indsats x catalog milestone reported at least once: the latest reported
-- status and its date (the most recent milestones file wins). Codes outside the catalog are ignored.
with milestones as (
    select * from {{ ref('stg_raw__milestones') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

catalog_milestones as (
    select * from {{ source('catalog', 'milestones') }}
),

ranked as (
    select
        milestones.kommunekode,
        milestones.indsats,
        milestones.milestone_code,
        milestones.status_code,
        milestones.status_date,
        files.reporting_date,
        row_number() over (
            partition by milestones.kommunekode, milestones.indsats, milestones.milestone_code
            order by
                files.reporting_date desc, files.received_at desc, milestones.file_id desc,
                milestones.row_number desc
        ) as recency_rank
    from milestones
    left join files on milestones.file_id = files.file_id
    inner join catalog_milestones
        on
            milestones.indsats = catalog_milestones.indsats
            and milestones.milestone_code = catalog_milestones.milestone_code
),

final as (
    select
        kommunekode,
        indsats,
        milestone_code,
        status_code,
        status_date,
        reporting_date
    from ranked
    where recency_rank = 1
)

select * from final
