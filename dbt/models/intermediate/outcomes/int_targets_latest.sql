-- One row per kommune x indsats x year: the yearly target (måltal) from the most recently reported file.
with targets as (
    select * from {{ ref('stg_raw__targets') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

ranked as (
    select
        targets.kommunekode,
        targets.indsats,
        targets.target_year,
        targets.target_courses,
        files.reporting_date,
        row_number() over (
            partition by targets.kommunekode, targets.indsats, targets.target_year
            order by files.reporting_date desc, files.received_at desc, targets.file_id desc, targets.row_number desc
        ) as recency_rank
    from targets
    left join files on targets.file_id = files.file_id
    where targets.target_year is not null and targets.target_courses is not null
),

final as (
    select
        kommunekode,
        indsats,
        target_year,
        target_courses,
        reporting_date as target_reporting_date
    from ranked
    where recency_rank = 1
)

select * from final
