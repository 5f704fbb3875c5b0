-- The disclosure verdicts of every intervention: int_indicators__protected's rows, kept per
-- intervention. Partitioned by intervention: a refresh replaces only the rows of the interventions
-- with new files (macros/refresh_by_indsats.sql), whose verdicts int_indicators__protected has
-- just recomputed.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
select
    kommunekode,
    indsats,
    period_type,
    period,
    indicator,
    numerator,
    denominator,
    value,
    suppressed
from {{ ref('int_indicators__protected') }}
where {{ refreshed_indsats_filter() }}
