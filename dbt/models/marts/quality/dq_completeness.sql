-- One row per kommune x indsats x recommended field: how often the field is filled in the
-- latest accepted course snapshot (only rows where the field is relevant), with examples.
with

snapshots as (
    select * from {{ ref('dq_course_snapshots') }}
    where is_latest
),

courses as (
    select
        file_id,
        kommunekode,
        indsats,
        reporting_date,
        person_id,
        is_carried_forward,
        carried_from_file_id,
        course_id as forloeb_id,
        referral_date as henvisningsdato,
        status_code as status,
        start_date as startdato,
        end_date as slutdato,
        end_reason_code as afslutningsaarsag,
        practitioner_id as medarbejder_id
    from {{ ref('stg_raw__courses') }}
),

course_items as (
    select
        file_id,
        item_code,
        course_id as forloeb_id,
        is_item_present as item_value
    from {{ ref('stg_raw__course_items') }}
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
        courses.forloeb_id,
        courses.status,
        courses.henvisningsdato,
        courses.medarbejder_id,
        courses.afslutningsaarsag
    from courses
    inner join snapshots
        on courses.file_id = snapshots.file_id
),

item_checks as (
    select
        latest_courses.kommunekode,
        latest_courses.indsats,
        latest_courses.forloeb_id,
        items.label as field_label,
        'item:' || items.item_code as field_code,
        coalesce(bool_or(course_items.item_value is not null), false)
            as is_filled
    from latest_courses
    inner join items
        on latest_courses.indsats = items.indsats
    left join course_items
        on
            latest_courses.forloeb_id = course_items.forloeb_id
            and items.item_code = course_items.item_code
            and course_items.file_id in (
                latest_courses.file_id, latest_courses.carried_from_file_id
            )
    where latest_courses.status in ('i_gang', 'gennemfoert', 'afbrudt')
    group by
        latest_courses.kommunekode,
        latest_courses.indsats,
        latest_courses.forloeb_id,
        items.item_code,
        items.label
),

field_checks as (
    select
        kommunekode,
        indsats,
        forloeb_id,
        'henvisningsdato' as field_code,
        'Henvisningsdato' as field_label,
        henvisningsdato is not null as is_filled
    from latest_courses
    union all
    select
        kommunekode,
        indsats,
        forloeb_id,
        'medarbejder_id' as field_code,
        'Medarbejder-id' as field_label,
        nullif(trim(medarbejder_id), '') is not null as is_filled
    from latest_courses
    union all
    select
        kommunekode,
        indsats,
        forloeb_id,
        'afslutningsaarsag' as field_code,
        'Afslutningsårsag (afbrudte forløb)' as field_label,
        nullif(trim(afslutningsaarsag), '') is not null as is_filled
    from latest_courses
    where status = 'afbrudt'
    union all
    select
        kommunekode,
        indsats,
        forloeb_id,
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
                list(forloeb_id order by forloeb_id) filter (
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
