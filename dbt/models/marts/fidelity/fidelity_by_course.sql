-- Fidelity per course: one row per current course per fidelity rule checked for it, pass or fail,
-- with the rule's Danish label and guidance. Course-level rule types come from the course checks;
-- caseload is checked for the courses active at the snapshot's reporting date.
with course_checks as (
    select * from {{ ref('int_fidelity__course_checks') }}
),

caseload as (
    select * from {{ ref('int_fidelity__caseload') }}
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
),

caseload_courses as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        caseload.rule_code,
        caseload.rule_type,
        courses.reporting_date as check_date,
        caseload.is_passed
    from courses
    inner join caseload
        on
            courses.kommunekode = caseload.kommunekode
            and courses.indsats = caseload.indsats
            and courses.practitioner_id = caseload.practitioner_id
            and caseload.period_type = 'month'
            and caseload.period = strftime(courses.reporting_date, '%Y-%m')
    where courses.is_started and courses.start_date <= courses.reporting_date and courses.end_date is null
),

checks as (
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from course_checks
    union all
    select
        kommunekode,
        indsats,
        course_id,
        rule_code,
        rule_type,
        check_date,
        is_passed
    from caseload_courses
),

final as (
    select
        checks.kommunekode,
        checks.indsats,
        checks.course_id as forloeb_id,
        checks.rule_code,
        checks.rule_type,
        rules.label,
        checks.check_date,
        checks.is_passed,
        rules.guidance
    from checks
    inner join rules on checks.indsats = rules.indsats and checks.rule_code = rules.rule_code
)

select * from final
