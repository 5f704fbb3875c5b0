{{ config(materialized='ephemeral') }}
-- The file frame of the quality models: every manifest file that belongs to a
-- kommune x indsats pair (registry extracts belong to none).
select
    file_id,
    original_name,
    kommunekode,
    indsats,
    file_type,
    reporting_date,
    rows_read,
    rows_accepted,
    rows_rejected,
    warning_count,
    file_status,
    received_at
from {{ ref('stg_raw__files') }}
where
    kommunekode is not null
    and indsats is not null
    and file_type <> 'registry'
