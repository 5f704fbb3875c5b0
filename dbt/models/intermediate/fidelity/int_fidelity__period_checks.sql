-- Fidelity per rule and period: one row per kommunekode ('000' = national) x indsats x period x
-- rule of the intervention, with the checks made (course checks dated in the period; caseload:
-- practitioners at the period's end) and those passed. A rule without checks has checked = 0.
-- Partitioned by intervention: a refresh recomputes only the interventions with new files
-- (macros/refresh_by_indsats.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_refreshed_indsats() }}"
) }}
with periods as (
    select * from {{ ref('int_reporting_periods') }}
),

rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
),

course_checks as (
    select * from {{ ref('int_fidelity__course_checks') }}
),

caseload_checks as (
    select * from {{ ref('int_fidelity__caseload') }}
),

period_rules as (
    select
        periods.kommunekode,
        periods.indsats,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        rules.rule_code,
        rules.rule_type
    from periods
    inner join rules on periods.indsats = rules.indsats
),

-- each course check falls in one month, one quarter and one year: count by equality, not by range
dated_checks as (
    select
        kommunekode,
        indsats,
        rule_code,
        is_passed,
        'month' as period_type,
        strftime(check_date, '%Y-%m') as period
    from course_checks
    union all
    select
        kommunekode,
        indsats,
        rule_code,
        is_passed,
        'quarter' as period_type,
        strftime(check_date, '%Y') || '-Q' || cast(quarter(check_date) as varchar) as period
    from course_checks
    union all
    select
        kommunekode,
        indsats,
        rule_code,
        is_passed,
        'year' as period_type,
        strftime(check_date, '%Y') as period
    from course_checks
),

checks_per_period as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        rule_code,
        count(*) as checked,
        count(*) filter (where is_passed) as passed
    from dated_checks
    group by kommunekode, indsats, period_type, period, rule_code
),

course_counts as (
    select
        period_rules.kommunekode,
        period_rules.indsats,
        period_rules.period_type,
        period_rules.period,
        period_rules.rule_code,
        coalesce(checks_per_period.checked, 0) as checked,
        coalesce(checks_per_period.passed, 0) as passed
    from period_rules
    left join checks_per_period
        on
            period_rules.kommunekode = checks_per_period.kommunekode
            and period_rules.indsats = checks_per_period.indsats
            and period_rules.period_type = checks_per_period.period_type
            and period_rules.period = checks_per_period.period
            and period_rules.rule_code = checks_per_period.rule_code
    where period_rules.rule_type != 'caseload'
),

caseload_counts as (
    select
        period_rules.kommunekode,
        period_rules.indsats,
        period_rules.period_type,
        period_rules.period,
        period_rules.rule_code,
        count(caseload_checks.practitioner_id) as checked,
        count(caseload_checks.practitioner_id) filter (where caseload_checks.is_passed) as passed
    from period_rules
    left join caseload_checks
        on
            period_rules.kommunekode = caseload_checks.kommunekode
            and period_rules.indsats = caseload_checks.indsats
            and period_rules.rule_code = caseload_checks.rule_code
            and period_rules.period_type = caseload_checks.period_type
            and period_rules.period = caseload_checks.period
    where period_rules.rule_type = 'caseload'
    group by all
),

municipal as (
    select * from course_counts
    union all
    select * from caseload_counts
),

final as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        rule_code,
        checked,
        passed
    from municipal
    union all
    select
        '000' as kommunekode,
        indsats,
        period_type,
        period,
        rule_code,
        sum(checked) as checked,
        sum(passed) as passed
    from municipal
    group by indsats, period_type, period, rule_code
)

select * from final
where {{ refreshed_indsats_filter() }}
