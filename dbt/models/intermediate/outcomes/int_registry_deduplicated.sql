-- One row per person x month x register indicator: the value from the most recent registry extract
-- (a later extract corrects an earlier one). PII-derived: person_id is the keyed pseudonym.
with registry as (
    select * from {{ ref('stg_raw__registry') }}
),

files as (
    select * from {{ ref('stg_raw__files') }}
),

ranked as (
    select
        registry.person_id,
        registry.indicator_code,
        cast(try_strptime(registry.period, '%Y-%m') as date) as period_month,
        registry.indicator_value,
        row_number() over (
            partition by registry.person_id, registry.period, registry.indicator_code
            order by files.reporting_date desc, files.received_at desc, registry.file_id desc, registry.row_number desc
        ) as recency_rank
    from registry
    left join files on registry.file_id = files.file_id
    where registry.person_id is not null and registry.indicator_value is not null
),

final as (
    select
        person_id,
        indicator_code,
        period_month,
        indicator_value
    from ranked
    where recency_rank = 1 and period_month is not null
)

select * from final
