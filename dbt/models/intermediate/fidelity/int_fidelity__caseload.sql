-- Fidelity rules of type caseload (structural): one row per practitioner x period x rule, for the
-- practitioners with active courses at the period's end. Passed when the active courses are at
-- most the rule's max.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = 'caseload'
),

caseload as (
    select * from {{ ref('int_caseload_at_period_end') }}
),

final as (
    select
        caseload.kommunekode,
        caseload.indsats,
        caseload.practitioner_id,
        caseload.period_type,
        caseload.period,
        caseload.period_end,
        rules.rule_code,
        rules.rule_type,
        caseload.active_courses,
        caseload.active_courses <= rules.max_value as is_passed
    from caseload
    inner join rules on caseload.indsats = rules.indsats
)

select * from final
where {{ refreshed_indsats_filter() }}
