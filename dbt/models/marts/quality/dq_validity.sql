-- One row per kommune x indsats: files and rows received, rejected and warned about
-- (from the raw.files manifest and raw.validation_issues), over all files ever received.
with

pair_files as (
    select * from {{ ref('dq_pair_files') }}
),

issues as (
    select * from {{ ref('stg_raw__validation_issues') }}
),

issue_counts as (
    select
        file_id,
        count(*) filter (where severity = 'error') as errors,
        count(*) filter (where severity = 'warning') as warnings
    from issues
    group by file_id
),

file_counts as (
    select
        pair_files.kommunekode,
        pair_files.indsats,
        pair_files.file_status,
        coalesce(pair_files.rows_read, 0) as rows_read,
        coalesce(pair_files.rows_accepted, 0) as rows_accepted,
        coalesce(pair_files.rows_rejected, 0) as rows_rejected,
        coalesce(issue_counts.errors, 0) as errors,
        coalesce(issue_counts.warnings, pair_files.warning_count, 0) as warnings
    from pair_files
    left join issue_counts
        on pair_files.file_id = issue_counts.file_id
),

totals as (
    select
        kommunekode,
        indsats,
        count(*) as files_received,
        count(*) filter (where file_status = 'accepted') as files_accepted,
        count(*) filter (where file_status = 'partial') as files_partial,
        count(*) filter (where file_status = 'rejected') as files_rejected,
        sum(rows_read) as rows_read,
        sum(rows_accepted) as rows_accepted,
        sum(rows_rejected) as rows_rejected,
        sum(errors) as errors,
        sum(warnings) as warnings
    from file_counts
    group by kommunekode, indsats
),

final as (
    select
        *,
        rows_rejected / nullif(rows_read, 0) as rejected_row_share,
        files_rejected / files_received as rejected_file_share,
        warnings / nullif(rows_read, 0) as warnings_per_row,
        greatest(
            0.0,
            1.0
            - coalesce(
                rows_rejected / nullif(rows_read, 0),
                files_rejected / files_received
            )
            - 0.25 * least(coalesce(warnings / nullif(rows_read, 0), 0.0), 1.0)
        ) as validity_score
    from totals
)

select * from final
