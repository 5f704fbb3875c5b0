with source as (
    select * from {{ source('raw', 'courses') }}
),

renamed as (
    select
        cast(file_id as varchar) as file_id,
        cast(row_number as integer) as row_number,
        cast(kommunekode as varchar) as kommunekode,
        cast(indsats as varchar) as indsats,
        cast(reporting_date as date) as reporting_date,
        cast(forloeb_id as varchar) as course_id,
        cast(person_id as varchar) as person_id,
        cast(pseudonym_key_id as varchar) as pseudonym_key_id,
        cast(sex as varchar) as sex,
        cast(age_at_start as integer) as age_at_start,
        cast(henvisningsdato as date) as referral_date,
        cast(henvisningsaarsag as varchar) as referral_reason_code,
        cast(status as varchar) as status_code,
        cast(startdato as date) as start_date,
        cast(slutdato as date) as end_date,
        cast(afslutningsaarsag as varchar) as end_reason_code,
        cast(antal_sessioner as integer) as session_count,
        cast(medarbejder_id as varchar) as practitioner_id,
        cast(carried_from_file_id as varchar) as carried_from_file_id,
        coalesce(cast(is_carried_forward as boolean), false) as is_carried_forward
    from source
)

select * from renamed
