-- One row per kommune x indsats x course x consistency issue x snapshot where it was seen:
-- date/status logic, courses carried forward awaiting correction, courses that vanish
-- between snapshots, and the same person in overlapping courses of the same intervention.
-- is_current = the issue is visible in the latest accepted snapshot.
with

snapshots as (
    select * from {{ ref('dq_course_snapshots') }}
),

courses as (
    select * from {{ ref('stg_raw__courses') }}
),

snapshot_courses as (
    select
        snapshots.kommunekode,
        snapshots.indsats,
        snapshots.snapshot_seq,
        snapshots.is_latest,
        snapshots.reporting_date as snapshot_date,
        courses.course_id as forloeb_id,
        courses.person_id,
        courses.status_code,
        courses.referral_date,
        courses.start_date,
        courses.end_date,
        courses.is_carried_forward
    from courses
    inner join snapshots
        on courses.file_id = snapshots.file_id
),

snapshot_dates as (
    select distinct
        kommunekode,
        indsats,
        snapshot_seq,
        snapshot_date
    from snapshot_courses
),

latest as (
    select * from snapshot_courses
    where is_latest
),

date_status as (
    select
        kommunekode,
        indsats,
        forloeb_id,
        snapshot_date,
        case
            when end_date < start_date then 'end_before_start'
            when start_date < referral_date then 'start_before_referral'
            when
                status_code in ('gennemfoert', 'afbrudt') and end_date is null
                then 'ended_without_end_date'
            when status_code = 'i_gang' and end_date is not null
                then 'active_with_end_date'
            when
                status_code in ('i_gang', 'gennemfoert', 'afbrudt')
                and start_date is null
                then 'started_without_start_date'
            when
                greatest(referral_date, start_date, end_date) > snapshot_date
                then 'date_after_reporting_date'
            when is_carried_forward then 'carried_forward'
        end as issue_code
    from latest
),

vanished as (
    select
        previous.kommunekode,
        previous.indsats,
        previous.forloeb_id,
        next_snapshot.snapshot_date,
        'vanished' as issue_code,
        'i indberetningen ' || strftime(previous.snapshot_date, '%Y-%m-%d')
        || ', mangler i ' || strftime(next_snapshot.snapshot_date, '%Y-%m-%d')
            as details
    from snapshot_courses as previous
    inner join snapshot_dates as next_snapshot
        on
            previous.kommunekode = next_snapshot.kommunekode
            and previous.indsats = next_snapshot.indsats
            and previous.snapshot_seq + 1 = next_snapshot.snapshot_seq
    anti join snapshot_courses as present
        on
            previous.kommunekode = present.kommunekode
            and previous.indsats = present.indsats
            and previous.forloeb_id = present.forloeb_id
            and next_snapshot.snapshot_seq = present.snapshot_seq
),

overlapping as (
    select
        this.kommunekode,
        this.indsats,
        this.forloeb_id,
        this.snapshot_date,
        'overlapping_person' as issue_code,
        'samme borger som forløb '
        || string_agg(other.forloeb_id, ', ' order by other.forloeb_id)
            as details
    from latest as this
    inner join latest as other
        on
            this.kommunekode = other.kommunekode
            and this.indsats = other.indsats
            and this.person_id = other.person_id
            and this.forloeb_id <> other.forloeb_id
            and coalesce(this.start_date, this.referral_date)
            <= coalesce(other.end_date, other.snapshot_date)
            and coalesce(other.start_date, other.referral_date)
            <= coalesce(this.end_date, this.snapshot_date)
    group by
        this.kommunekode, this.indsats, this.forloeb_id, this.snapshot_date
),

unioned as (
    select
        kommunekode,
        indsats,
        forloeb_id,
        snapshot_date,
        issue_code,
        cast(null as varchar) as details
    from date_status
    where issue_code is not null
    union all
    select
        kommunekode,
        indsats,
        forloeb_id,
        snapshot_date,
        issue_code,
        details
    from vanished
    union all
    select
        kommunekode,
        indsats,
        forloeb_id,
        snapshot_date,
        issue_code,
        details
    from overlapping
),

current_absent as (
    -- a vanished course that is back in the latest snapshot is no longer current
    select
        kommunekode,
        indsats,
        forloeb_id
    from latest
),

final as (
    select
        unioned.kommunekode,
        unioned.indsats,
        unioned.forloeb_id,
        unioned.issue_code,
        unioned.details,
        unioned.snapshot_date,
        case unioned.issue_code
            when 'end_before_start' then 'Slutdato ligger før startdato'
            when 'start_before_referral' then 'Startdato ligger før henvisningsdato'
            when 'ended_without_end_date' then 'Afsluttet forløb uden slutdato'
            when 'active_with_end_date' then 'Forløb i gang har en slutdato'
            when 'started_without_start_date' then 'Startet forløb uden startdato'
            when 'date_after_reporting_date'
                then 'Dato efter indberetningsdatoen'
            when 'carried_forward'
                then 'Rækken blev afvist og afventer rettelse (tidligere version bruges)'
            when 'vanished' then 'Forløbet er forsvundet mellem to indberetninger'
            when 'overlapping_person'
                then 'Samme borger i overlappende forløb'
        end as issue_label,
        case
            when unioned.issue_code = 'vanished'
                then current_absent.forloeb_id is null
            else true
        end as is_current
    from unioned
    left join current_absent
        on
            unioned.kommunekode = current_absent.kommunekode
            and unioned.indsats = current_absent.indsats
            and unioned.forloeb_id = current_absent.forloeb_id
)

select * from final
