-- One row per kommune x indsats x feedback line: what to fix and where, in Danish, for the
-- municipality's quality report and the dashboard (severity error | warning | info).
with

timeliness as (
    select * from {{ ref('dq_timeliness') }}
),

completeness as (
    select * from {{ ref('dq_completeness') }}
),

consistency as (
    select * from {{ ref('dq_consistency') }}
),

outliers as (
    select * from {{ ref('dq_outliers') }}
),

pair_files as (
    select * from {{ ref('dq_pair_files') }}
),

issues as (
    select * from {{ ref('stg_raw__validation_issues') }}
),

missing_periods as (
    select
        kommunekode,
        indsats,
        'missing_periods' as check_code,
        '' as detail_key,
        'error' as severity,
        'Rettidighed' as area,
        1 as sort_order,
        'Der mangler forløbsfil for '
        || count(*)
        || case when count(*) = 1 then ' periode' else ' perioder' end
        || ' (op til ' || max(days_late) || ' dage over fristen).' as message,
        'Perioder: '
        || string_agg(period || ' (frist ' || strftime(due_date, '%d-%m-%Y') || ')', ', ' order by period)
            as found_in,
        'Send en forløbsfil med indberetningsdatoen i hver af perioderne. '
        || 'Filen er et øjebliksbillede af alle forløb og kan dannes fra fagsystemet.' as fix_hint
    from timeliness
    where not is_received
    group by kommunekode, indsats
),

late_periods as (
    select
        kommunekode,
        indsats,
        'late_periods' as check_code,
        '' as detail_key,
        'warning' as severity,
        'Rettidighed' as area,
        2 as sort_order,
        count(*)
        || case when count(*) = 1 then ' periode' else ' perioder' end
        || ' blev indberettet efter fristen.' as message,
        'Perioder: '
        || string_agg(period || ' (' || days_late || ' dage for sent)', ', ' order by period)
            as found_in,
        'Fristen er periodens sidste dag plus ' || max(deadline_days)
        || ' dage. Læg indberetningen ind som fast opgave i kalenderen.' as fix_hint
    from timeliness
    where is_late
    group by kommunekode, indsats
),

latest_files as (
    -- only the newest file of each type: older problems are normally fixed by a new snapshot
    select
        file_id,
        kommunekode,
        indsats,
        file_type,
        reporting_date,
        original_name
    from pair_files
    qualify row_number() over (
        partition by kommunekode, indsats, file_type
        order by received_at desc, file_id desc
    ) = 1
),

issue_lines as (
    select
        latest_files.kommunekode,
        latest_files.indsats,
        issues.severity,
        latest_files.file_type,
        latest_files.reporting_date,
        coalesce(issues.issue_code, 'ukendt') as issue_code,
        count(*) as issue_count,
        min(issues.message) as example_message,
        array_to_string(
            list_slice(
                -- the first rows by number (a deterministic example, the same in every build)
                list_sort(list(distinct issues.row_number) filter (
                    where issues.row_number is not null
                )),
                1,
                8
            ),
            ', '
        ) as example_rows,
        min(issues.column_name) as column_name
    from issues
    inner join latest_files
        on issues.file_id = latest_files.file_id
    group by
        latest_files.kommunekode,
        latest_files.indsats,
        issues.severity,
        issues.issue_code,
        latest_files.file_type,
        latest_files.reporting_date
),

validity_lines as (
    select
        kommunekode,
        indsats,
        case severity
            when 'error' then 'rejected_rows'
            else 'validation_warnings'
        end as check_code,
        file_type || ':' || issue_code as detail_key,
        case severity when 'error' then 'error' else 'warning' end as severity,
        'Validitet' as area,
        case severity when 'error' then 3 else 6 end as sort_order,
        example_message
        || ' ('
        || case
            when example_rows = '' and severity = 'error' then 'hele filen afvist'
            when example_rows = '' then 'gælder hele filen'
            when severity = 'error' and issue_count = 1 then '1 række afvist'
            when severity = 'error' then issue_count || ' rækker afvist'
            when issue_count = 1 then '1 advarsel'
            else issue_count || ' advarsler'
        end
        || ')' as message,
        case file_type
            when 'courses' then 'Forløbsfil'
            when 'sessions' then 'Sessionsfil'
            when 'measurements' then 'Målingsfil'
            when 'targets' then 'Måltalsfil'
            when 'milestones' then 'Milepælsfil'
            else 'Fil'
        end
        || ' med indberetningsdato '
        || strftime(reporting_date, '%d-%m-%Y')
        || coalesce(', kolonne ' || column_name, '')
        || case
            when example_rows like '%,%' then ', rækker ' || example_rows
            when example_rows <> '' then ', række ' || example_rows
            else ', hele filen'
        end as found_in,
        case severity
            when 'error'
                then
                    'Ret værdierne i fagsystemet og send filen igen; '
                    || 'afviste rækker tæller ikke med i opgørelserne.'
            else 'Tjek værdierne; advarsler afviser ikke rækken, men kan give forkerte tal.'
        end as fix_hint
    from issue_lines
),

completeness_lines as (
    select
        kommunekode,
        indsats,
        'incomplete_field' as check_code,
        field_code as detail_key,
        'warning' as severity,
        'Fuldstændighed' as area,
        4 as sort_order,
        field_label || ' mangler i ' || missing_rows || ' af ' || applicable_rows
        || ' forløb (' || cast(round(100 * filled_share) as integer)
        || ' % udfyldt).' as message,
        'Forløb, fx: ' || example_forloeb_ids as found_in,
        'Udfyld feltet i fagsystemet, så det kommer med i næste forløbsfil.' as fix_hint
    from completeness
    where missing_rows > 0
),

consistency_lines as (
    select
        kommunekode,
        indsats,
        'inconsistent_' || issue_code as check_code,
        '' as detail_key,
        case
            when issue_code in ('vanished', 'overlapping_person') then 'warning'
            else 'error'
        end as severity,
        'Konsistens' as area,
        5 as sort_order,
        min(issue_label) || ': ' || count(*)
        || ' forløb.' as message,
        'Forløb: '
        || array_to_string(
            list_slice(
                list(forloeb_id || coalesce(' (' || details || ')', '') order by forloeb_id),
                1,
                8
            ),
            ', '
        ) as found_in,
        case min(issue_code)
            when 'vanished'
                then
                    'Forløbsfilen skal indeholde alle forløb, også afsluttede. '
                    || 'Send forløbet med igen, eller afslut det med status og slutdato.'
            when 'overlapping_person'
                then
                    'Samme borger må ikke have to forløb samtidig i samme indsats. '
                    || 'Luk det ene forløb eller slå dem sammen.'
            when 'carried_forward'
                then 'Rækken blev afvist i den seneste fil; ret den og send filen igen.'
            else 'Ret datoer og status i fagsystemet, så de passer sammen, og send filen igen.'
        end as fix_hint
    from consistency
    where is_current
    group by kommunekode, indsats, issue_code
),

outlier_lines as (
    select
        kommunekode,
        indsats,
        'outlier_starts' as check_code,
        period as detail_key,
        'info' as severity,
        'Afvigelser' as area,
        7 as sort_order,
        'Antal nye forløb i ' || period || ' (' || start_count
        || ') afviger '
        || case when outlier_level = 'extreme' then 'meget ' else '' end
        || 'fra kommunens eget niveau (gennemsnit '
        || replace(printf('%.1f', history_mean), '.', ',') || ').' as message,
        'Periode ' || period as found_in,
        'Tjek at startdatoerne er rigtige, og at alle forløb er med i filen.' as fix_hint
    from outliers
    where outlier_level <> 'none'
),

unioned as (
    select * from missing_periods
    union all by name
    select * from late_periods
    union all by name
    select * from validity_lines
    union all by name
    select * from completeness_lines
    union all by name
    select * from consistency_lines
    union all by name
    select * from outlier_lines
),

final as (
    select
        kommunekode,
        indsats,
        check_code,
        detail_key,
        severity,
        area,
        sort_order,
        message,
        found_in,
        fix_hint
    from unioned
)

select * from final
