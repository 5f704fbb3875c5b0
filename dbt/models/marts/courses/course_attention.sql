-- Course hygiene: one row per current course per issue the municipality should look at, with a
-- Danish label and details. Issues: active past the catalog's maximum duration, interrupted without
-- an end reason, a missing measurement (completed without start and end, or running 30 days without
-- a start measurement), and the same person in overlapping courses of one intervention (a gap of
-- at most var('same_person_gap_days') days counts as one course).
with courses as (
    select * from {{ ref('int_course_facts') }}
),

measurement_checks as (
    select * from {{ ref('int_fidelity__measurement_completeness') }}
),

measured_points as (
    select * from {{ ref('int_course_measurement_points') }}
),

rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
),

overdue as (
    select
        kommunekode,
        indsats,
        course_id,
        'aktiv_over_maks_varighed' as issue_code,
        'Aktivt forløb ud over den maksimale varighed' as issue_label,
        'Startet ' || strftime(start_date, '%d-%m-%Y') || ', aktivt i '
        || cast(date_diff('day', start_date, reporting_date) as varchar) || ' dage (maks. '
        || cast(duration_max_days as varchar) || '). Afslut forløbet, eller ret slutdatoen.' as details
    from courses
    where
        is_started
        and end_date is null
        and date_diff('day', start_date, reporting_date) > duration_max_days
),

interrupted_without_reason as (
    select
        kommunekode,
        indsats,
        course_id,
        'afbrudt_uden_aarsag' as issue_code,
        'Afbrudt forløb uden afslutningsårsag' as issue_label,
        'Afbrudt ' || coalesce(strftime(end_date, '%d-%m-%Y'), 'uden slutdato')
        || '. Angiv afslutningsårsagen.' as details
    from courses
    where status_code = 'afbrudt' and end_reason_code is null
),

-- completed without start and end measurement, or running for 30 days without a start measurement
missing_at_end as (
    select
        measurement_checks.kommunekode,
        measurement_checks.indsats,
        measurement_checks.course_id,
        'Gennemført ' || strftime(measurement_checks.check_date, '%d-%m-%Y') || ': ' || rules.label
        || ' mangler.' as detail
    from measurement_checks
    inner join rules
        on measurement_checks.indsats = rules.indsats and measurement_checks.rule_code = rules.rule_code
    where not measurement_checks.is_passed
),

missing_at_start as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        'I gang siden ' || strftime(courses.start_date, '%d-%m-%Y') || ': ' || rules.label
        || ' mangler ved start.' as detail
    from courses
    inner join rules on courses.indsats = rules.indsats and rules.rule_type = 'measurement_completeness'
    left join measured_points
        on
            courses.kommunekode = measured_points.kommunekode
            and courses.indsats = measured_points.indsats
            and courses.course_id = measured_points.course_id
            and rules.instrument_code = measured_points.instrument_code
            and measured_points.measurement_point = 'start'
    where
        courses.is_started
        and courses.end_date is null
        and date_diff('day', courses.start_date, courses.reporting_date) >= 30
        and measured_points.course_id is null
),

missing_measurement as (
    select
        kommunekode,
        indsats,
        course_id,
        'manglende_maaling' as issue_code,
        'Manglende måling ved start eller slut' as issue_label,
        string_agg(detail, ' ' order by detail) || ' Indberet målingerne i målingsfilen.' as details
    from (
        select * from missing_at_end
        union all
        select * from missing_at_start
    ) as missing
    group by kommunekode, indsats, course_id
),

person_courses as (
    select
        kommunekode,
        indsats,
        course_id,
        person_id,
        start_date,
        lag(course_id) over person_order as previous_course_id,
        lag(coalesce(end_date, reporting_date)) over person_order as previous_end_date
    from courses
    where person_id is not null and start_date is not null
    window person_order as (partition by kommunekode, indsats, person_id order by start_date, course_id)
),

same_person as (
    select
        kommunekode,
        indsats,
        course_id,
        'samme_borger_overlap' as issue_code,
        'Samme borger i overlappende forløb' as issue_label,
        'Borgeren har også forløb ' || previous_course_id || ', som slutter '
        || strftime(previous_end_date, '%d-%m-%Y') || '. Forløb med højst {{ var("same_person_gap_days") }}'
        || ' dages mellemrum tælles som ét forløb; slå dem sammen.' as details
    from person_courses
    where date_diff('day', previous_end_date, start_date) <= {{ var('same_person_gap_days') }}
),

issues as (
    select * from overdue
    union all
    select * from interrupted_without_reason
    union all
    select * from missing_measurement
    union all
    select * from same_person
),

final as (
    select
        kommunekode,
        indsats,
        course_id as forloeb_id,
        issue_code,
        issue_label,
        details
    from issues
)

select * from final
