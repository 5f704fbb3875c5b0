-- One row per kommune x indsats x recommended field: how often the field is filled in the
-- latest accepted course snapshot (only rows where the field is relevant), with examples.
with

snapshots as (
    select * from {{ ref('dq_course_snapshots') }}
    where is_latest
),

courses as (
    select * from {{ ref('stg_raw__courses') }}
),

course_items as (
    select * from {{ ref('stg_raw__course_items') }}
),

items as (
    select * from {{ source('catalog', 'items') }}
),

latest_courses as (
    select
        snapshots.kommunekode,
        snapshots.indsats,
        courses.file_id,
        courses.carried_from_file_id,
        courses.course_id,
        courses.status_code,
        courses.referral_date,
        courses.practitioner_id,
        courses.end_reason_code
    from courses
    inner join snapshots
        on courses.file_id = snapshots.file_id
),

item_checks as (
    select
        latest_courses.kommunekode,
        latest_courses.indsats,
        latest_courses.course_id,
        items.label as field_label,
        'item:' || items.item_code as field_code,
        coalesce(bool_or(course_items.is_item_present is not null), false)
            as is_filled
    from latest_courses
    inner join items
        on latest_courses.indsats = items.indsats
    left join course_items
        on
            latest_courses.course_id = course_items.course_id
            and items.item_code = course_items.item_code
            and course_items.file_id in (
                latest_courses.file_id, latest_courses.carried_from_file_id
            )
    where latest_courses.status_code in ('i_gang', 'gennemfoert', 'afbrudt')
    group by
        latest_courses.kommunekode,
        latest_courses.indsats,
        latest_courses.course_id,
        items.item_code,
        items.label
),

field_checks as (
    select
        kommunekode,
        indsats,
        course_id,
        'henvisningsdato' as field_code,
        'Henvisningsdato' as field_label,
        referral_date is not null as is_filled
    from latest_courses
    union all
    select
        kommunekode,
        indsats,
        course_id,
        'medarbejder_id' as field_code,
        'Medarbejder-id' as field_label,
        nullif(trim(practitioner_id), '') is not null as is_filled
    from latest_courses
    union all
    select
        kommunekode,
        indsats,
        course_id,
        'afslutningsaarsag' as field_code,
        'Afslutningsårsag (afbrudte forløb)' as field_label,
        nullif(trim(end_reason_code), '') is not null as is_filled
    from latest_courses
    where status_code = 'afbrudt'
    union all
    select
        kommunekode,
        indsats,
        course_id,
        field_code,
        field_label,
        is_filled
    from item_checks
),

final as (
    select
        kommunekode,
        indsats,
        field_code,
        field_label,
        count(*) as applicable_rows,
        count(*) filter (where is_filled) as filled_rows,
        count(*) filter (where not is_filled) as missing_rows,
        count(*) filter (where is_filled) / count(*) as filled_share,
        array_to_string(
            list_slice(
                list(course_id order by course_id) filter (
                    where not is_filled
                ),
                1,
                5
            ),
            ', '
        ) as example_forloeb_ids
    from field_checks
    group by kommunekode, indsats, field_code, field_label
)

select * from final
