-- Fidelity per rule and period: one row per kommunekode ('000' = national) x indsats x period x
-- rule of the intervention, with the checks made (course checks dated in the period; caseload:
-- practitioners at the period's end) and those passed. A rule without checks has checked = 0.
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

course_counts as (
    select
        period_rules.kommunekode,
        period_rules.indsats,
        period_rules.period_type,
        period_rules.period,
        period_rules.rule_code,
        count(course_checks.course_id) as checked,
        count(course_checks.course_id) filter (where course_checks.is_passed) as passed
    from period_rules
    left join course_checks
        on
            period_rules.kommunekode = course_checks.kommunekode
            and period_rules.indsats = course_checks.indsats
            and period_rules.rule_code = course_checks.rule_code
            and course_checks.check_date between period_rules.period_start and period_rules.period_end
    where period_rules.rule_type != 'caseload'
    group by all
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
