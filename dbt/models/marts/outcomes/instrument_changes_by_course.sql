-- One row per course (current snapshot) x catalog instrument measured at start and end: the scores,
-- the change and its reliable-change class with a Danish label, for the municipality's own view.
-- No person_id: the municipality's own course id identifies the course.
with changes as (
    select * from {{ ref('int_instrument_changes_classified') }}
),

instruments as (
    select * from {{ source('catalog', 'instruments') }}
),

final as (
    select
        changes.kommunekode,
        changes.indsats,
        changes.course_id,
        changes.instrument_code,
        instruments.label as instrument_label,
        changes.status_code,
        changes.start_date,
        changes.end_date,
        changes.score_start,
        changes.measured_start_date,
        changes.score_end,
        changes.measured_end_date,
        changes.score_change,
        changes.improvement,
        changes.reliable_change,
        changes.higher_is_better,
        changes.change_class,
        case changes.change_class
            when 'improved' then 'Pålideligt forbedret'
            when 'unchanged' then 'Ingen pålidelig ændring'
            when 'deteriorated' then 'Pålideligt forværret'
            else 'Ikke målt ved både start og slut'
        end as change_label
    from changes
    left join instruments
        on
            changes.indsats = instruments.indsats
            and changes.instrument_code = instruments.instrument_code
)

select * from final
