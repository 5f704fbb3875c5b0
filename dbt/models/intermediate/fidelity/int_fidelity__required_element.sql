-- Fidelity rules of type required_element: one row per started current course per rule, where the
-- course file reports the rule's item. Passed when the item is 'ja'; a course without a value for
-- a reported item fails. Dated by the start date.
with rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
    where rule_type = 'required_element'
),

courses as (
    select * from {{ ref('int_course_facts') }}
),

items as (
    select * from {{ ref('stg_raw__course_items') }}
),

reported_items as (
    select distinct
        file_id,
        item_code
    from items
),

final as (
    select
        courses.kommunekode,
        courses.indsats,
        courses.course_id,
        rules.rule_code,
        rules.rule_type,
        courses.start_date as check_date,
        coalesce(bool_or(items.is_item_present), false) as is_passed
    from courses
    inner join rules on courses.indsats = rules.indsats
    inner join reported_items
        on courses.file_id = reported_items.file_id and rules.item_code = reported_items.item_code
    left join items
        on
            courses.file_id = items.file_id
            and courses.course_id = items.course_id
            and rules.item_code = items.item_code
    where courses.start_date is not null
    group by
        courses.kommunekode, courses.indsats, courses.course_id, rules.rule_code, rules.rule_type,
        courses.start_date
)

select * from final
