-- One row per kommune x indsats: files and rows received, rejected and warned about
-- (from the raw.files manifest and raw.validation_issues), over all files ever received.
with

files as (
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
        received_at,
        warning_count as warnings,
        file_status as status
    from {{ ref('stg_raw__files') }}
),

issues as (
    select
        file_id,
        row_number,
        column_name,
        severity,
        message,
        issue_code as code
    from {{ ref('stg_raw__validation_issues') }}
),

issue_counts as (
    select
        file_id,
        count(*) filter (where severity = 'error') as errors,
        count(*) filter (where severity = 'warning') as warnings
    from issues
    group by file_id
),

pair_files as (
    select
        files.kommunekode,
        files.indsats,
        files.status,
        coalesce(files.rows_read, 0) as rows_read,
        coalesce(files.rows_accepted, 0) as rows_accepted,
        coalesce(files.rows_rejected, 0) as rows_rejected,
        coalesce(issue_counts.errors, 0) as errors,
        coalesce(issue_counts.warnings, files.warnings, 0) as warnings
    from files
    left join issue_counts
        on files.file_id = issue_counts.file_id
    where
        files.kommunekode is not null
        and files.indsats is not null
        and files.file_type <> 'registry'
),

totals as (
    select
        kommunekode,
        indsats,
        count(*) as files_received,
        count(*) filter (where status = 'accepted') as files_accepted,
        count(*) filter (where status = 'partial') as files_partial,
        count(*) filter (where status = 'rejected') as files_rejected,
        sum(rows_read) as rows_read,
        sum(rows_accepted) as rows_accepted,
        sum(rows_rejected) as rows_rejected,
        sum(errors) as errors,
        sum(warnings) as warnings
    from pair_files
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
