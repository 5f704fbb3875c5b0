-- One row per kommune x indsats that has delivered any file: the data-quality components
-- (timeliness, coverage, completeness, validity, consistency, outliers; each 0-1), the
-- weighted score 0-100 and the badge god/middel/svag (thresholds from catalog.parameters).
with

pair_files as (
    select * from {{ ref('dq_pair_files') }}
),

interventions as (
    select * from {{ ref('stg_catalog__interventions') }}
),

municipalities as (
    select * from {{ source('catalog', 'municipalities') }}
),

parameters as (
    select * from {{ ref('stg_catalog__parameters') }}
),

timeliness as (
    select * from {{ ref('dq_timeliness') }}
),

completeness as (
    select * from {{ ref('dq_completeness') }}
),

validity as (
    select * from {{ ref('dq_validity') }}
),

consistency as (
    select * from {{ ref('dq_consistency') }}
),

outliers as (
    select * from {{ ref('dq_outliers') }}
),

snapshots as (
    select * from {{ ref('dq_course_snapshots') }}
),

courses as (
    select * from {{ ref('stg_raw__courses') }}
),

pairs as (
    select
        kommunekode,
        indsats,
        min(reporting_date) as first_reporting_date,
        max(reporting_date) as latest_reporting_date,
        max(received_at) as latest_received_at
    from pair_files
    group by kommunekode, indsats
),

timeliness_by_pair as (
    select
        kommunekode,
        indsats,
        count(*) as periods_expected,
        count(*) filter (where is_received) as periods_received,
        count(*) filter (where is_on_time) as periods_on_time,
        count(*) filter (where is_late) as periods_late,
        count(*) filter (where not is_received) as periods_missing,
        max(days_late) filter (where is_received) as max_days_late,
        avg(days_late) filter (where is_received) as avg_days_late,
        max(days_late) filter (where not is_received) as max_days_overdue
    from timeliness
    group by kommunekode, indsats
),

as_of as (
    select max(as_of_date) as as_of_date from timeliness
),

completeness_by_pair as (
    select
        kommunekode,
        indsats,
        avg(filled_share) as completeness_score,
        sum(missing_rows) as missing_values
    from completeness
    group by kommunekode, indsats
),

latest_size as (
    select
        snapshots.kommunekode,
        snapshots.indsats,
        count(*) as courses_latest
    from snapshots
    inner join courses
        on snapshots.file_id = courses.file_id
    where snapshots.is_latest
    group by snapshots.kommunekode, snapshots.indsats
),

consistency_by_pair as (
    select
        kommunekode,
        indsats,
        count(distinct forloeb_id) filter (where is_current)
            as courses_with_issues,
        count(*) filter (
            where is_current and issue_code = 'vanished'
        ) as courses_vanished,
        count(*) filter (
            where is_current and issue_code = 'overlapping_person'
        ) as courses_overlapping,
        count(*) filter (
            where is_current
            and issue_code not in ('vanished', 'overlapping_person')
        ) as date_status_issues
    from consistency
    group by kommunekode, indsats
),

outliers_by_pair as (
    select
        kommunekode,
        indsats,
        count(*) as outlier_periods_checked,
        count(*) filter (where outlier_level = 'moderate') as outliers_moderate,
        count(*) filter (where outlier_level = 'extreme') as outliers_extreme
    from outliers
    group by kommunekode, indsats
),

thresholds as (
    select
        max(parameter_value) filter (where parameter = 'quality_god_from') as god_from,
        max(parameter_value) filter (where parameter = 'quality_middel_from')
            as middel_from
    from parameters
),

components as (
    select
        pairs.kommunekode,
        pairs.indsats,
        pairs.first_reporting_date,
        pairs.latest_reporting_date,
        pairs.latest_received_at,
        timeliness_by_pair.max_days_late,
        timeliness_by_pair.avg_days_late,
        timeliness_by_pair.max_days_overdue,
        validity.files_received,
        validity.files_rejected,
        validity.rows_read,
        validity.rows_rejected,
        validity.warnings,
        validity.rejected_row_share,
        validity.validity_score,
        completeness_by_pair.completeness_score,
        coalesce(timeliness_by_pair.periods_expected, 0) as periods_expected,
        coalesce(timeliness_by_pair.periods_received, 0) as periods_received,
        coalesce(timeliness_by_pair.periods_on_time, 0) as periods_on_time,
        coalesce(timeliness_by_pair.periods_late, 0) as periods_late,
        coalesce(timeliness_by_pair.periods_missing, 0) as periods_missing,
        coalesce(latest_size.courses_latest, 0) as courses_latest,
        coalesce(completeness_by_pair.missing_values, 0) as missing_values,
        coalesce(consistency_by_pair.courses_with_issues, 0)
            as courses_with_issues,
        coalesce(consistency_by_pair.courses_vanished, 0) as courses_vanished,
        coalesce(consistency_by_pair.courses_overlapping, 0)
            as courses_overlapping,
        coalesce(consistency_by_pair.date_status_issues, 0)
            as date_status_issues,
        coalesce(outliers_by_pair.outlier_periods_checked, 0)
            as outlier_periods_checked,
        coalesce(outliers_by_pair.outliers_moderate, 0) as outliers_moderate,
        coalesce(outliers_by_pair.outliers_extreme, 0) as outliers_extreme,
        timeliness_by_pair.periods_on_time
        / nullif(timeliness_by_pair.periods_expected, 0) as timeliness_score,
        timeliness_by_pair.periods_received
        / nullif(timeliness_by_pair.periods_expected, 0) as coverage_score,
        case
            when latest_size.courses_latest > 0
                then greatest(
                    0.0,
                    1.0
                    - coalesce(consistency_by_pair.courses_with_issues, 0)
                    / (
                        latest_size.courses_latest
                        + coalesce(consistency_by_pair.courses_vanished, 0)
                    )
                )
        end as consistency_score,
        case
            when outliers_by_pair.outlier_periods_checked > 0
                then greatest(
                    0.0,
                    1.0
                    - (
                        outliers_by_pair.outliers_extreme
                        + 0.5 * outliers_by_pair.outliers_moderate
                    )
                    / outliers_by_pair.outlier_periods_checked
                )
        end as outlier_score
    from pairs
    left join timeliness_by_pair
        on
            pairs.kommunekode = timeliness_by_pair.kommunekode
            and pairs.indsats = timeliness_by_pair.indsats
    left join validity
        on
            pairs.kommunekode = validity.kommunekode
            and pairs.indsats = validity.indsats
    left join latest_size
        on
            pairs.kommunekode = latest_size.kommunekode
            and pairs.indsats = latest_size.indsats
    left join completeness_by_pair
        on
            pairs.kommunekode = completeness_by_pair.kommunekode
            and pairs.indsats = completeness_by_pair.indsats
    left join consistency_by_pair
        on
            pairs.kommunekode = consistency_by_pair.kommunekode
            and pairs.indsats = consistency_by_pair.indsats
    left join outliers_by_pair
        on
            pairs.kommunekode = outliers_by_pair.kommunekode
            and pairs.indsats = outliers_by_pair.indsats
),

scored as (
    -- weights: timeliness, coverage, completeness and validity 20 % each, consistency
    -- 15 %, outliers 5 %; a component that cannot be measured is left out of the mean
    select
        *,
        cast(coalesce(round(
            100.0
            * (
                0.20 * coalesce(timeliness_score, 0)
                + 0.20 * coalesce(coverage_score, 0)
                + 0.20 * coalesce(completeness_score, 0)
                + 0.20 * coalesce(validity_score, 0)
                + 0.15 * coalesce(consistency_score, 0)
                + 0.05 * coalesce(outlier_score, 0)
            )
            / nullif(
                0.20 * cast(timeliness_score is not null as integer)
                + 0.20 * cast(coverage_score is not null as integer)
                + 0.20 * cast(completeness_score is not null as integer)
                + 0.20 * cast(validity_score is not null as integer)
                + 0.15 * cast(consistency_score is not null as integer)
                + 0.05 * cast(outlier_score is not null as integer),
                0
            )
        ), 0) as integer) as score
    from components
),

badged as (
    select
        scored.*,
        as_of.as_of_date,
        case
            when scored.score >= thresholds.god_from then 'god'
            when scored.score >= thresholds.middel_from then 'middel'
            else 'svag'
        end as quality_badge
    from scored
    cross join thresholds
    cross join as_of
),

final as (
    select
        badged.kommunekode,
        municipalities.kommunenavn,
        municipalities.regionsnavn,
        badged.indsats,
        interventions.intervention_name,
        interventions.reporting_period,
        interventions.deadline_days,
        badged.score,
        badged.quality_badge,
        badged.timeliness_score,
        badged.coverage_score,
        badged.completeness_score,
        badged.validity_score,
        badged.consistency_score,
        badged.outlier_score,
        badged.periods_expected,
        badged.periods_received,
        badged.periods_on_time,
        badged.periods_late,
        badged.periods_missing,
        badged.max_days_late,
        badged.avg_days_late,
        badged.max_days_overdue,
        badged.files_received,
        badged.files_rejected,
        badged.rows_read,
        badged.rows_rejected,
        badged.rejected_row_share,
        badged.warnings,
        badged.courses_latest,
        badged.missing_values,
        badged.courses_with_issues,
        badged.date_status_issues,
        badged.courses_vanished,
        badged.courses_overlapping,
        badged.outlier_periods_checked,
        badged.outliers_moderate,
        badged.outliers_extreme,
        badged.first_reporting_date,
        badged.latest_reporting_date,
        badged.latest_received_at,
        badged.as_of_date
    from badged
    left join municipalities
        on badged.kommunekode = municipalities.kommunekode
    left join interventions
        on badged.indsats = interventions.indsats
)

select * from final
