with source as (
    select * from {{ source('catalog', 'interventions') }}
),

renamed as (
    select
        cast(indsats as varchar) as indsats,
        cast(name as varchar) as intervention_name,
        cast(track as integer) as track,
        cast(target_group as varchar) as target_group,
        cast(collects_cpr as boolean) as collects_cpr,
        cast(reporting_period as varchar) as reporting_period,
        cast(deadline_days as integer) as deadline_days,
        cast(sessions_planned as integer) as sessions_planned,
        cast(sessions_min as integer) as sessions_min,
        cast(sessions_max as integer) as sessions_max,
        cast(duration_min_days as integer) as duration_min_days,
        cast(duration_max_days as integer) as duration_max_days,
        cast(waiting_days_max as integer) as waiting_days_max,
        cast(follow_up_days as integer) as follow_up_days,
        cast(max_caseload as integer) as max_caseload
    from source
)

select * from renamed
