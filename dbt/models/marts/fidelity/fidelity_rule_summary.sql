-- Fidelity per rule: one row per kommunekode ('000' = national) x indsats x period x rule, plus the
-- composite index (rule_code 'indeks': the share of all rule checks passed). Adherence = passed /
-- checked (empty without checks); light 'grøn' / 'gul' / 'rød' from catalog.parameters
-- fidelity_green_from / fidelity_yellow_from; guidance is the catalog's Danish advice for the rule.
-- suppressed / suppression: the disclosure policy's verdict on the very same cell of the indicator
-- table (fidelity_rule_<rule_code>, fidelity_index: same checked = denominator, passed = numerator),
-- taken from marts.indicators and never decided here (udbredelse/disclosure.py is the one home of the
-- policy, the composite rule included). A row without its indicator row fails closed (hidden).
with period_checks as (
    select * from {{ ref('int_fidelity__period_checks') }}
),

rules as (
    select * from {{ ref('stg_catalog__fidelity_rules') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

parameters as (
    select * from {{ ref('stg_catalog__parameters') }}
),

thresholds as (
    select
        coalesce(max(parameter_value) filter (where parameter = 'fidelity_green_from'), 0.8) as green_from,
        coalesce(max(parameter_value) filter (where parameter = 'fidelity_yellow_from'), 0.6) as yellow_from
    from parameters
),

per_rule as (
    select
        period_checks.kommunekode,
        period_checks.indsats,
        period_checks.period_type,
        period_checks.period,
        period_checks.rule_code,
        rules.rule_type,
        rules.label,
        rules.guidance,
        period_checks.checked,
        period_checks.passed
    from period_checks
    inner join rules on period_checks.indsats = rules.indsats and period_checks.rule_code = rules.rule_code
),

composite as (
    select
        kommunekode,
        indsats,
        period_type,
        period,
        'indeks' as rule_code,
        'indeks' as rule_type,
        'Samlet troskabsindeks (andel af alle regeltjek, der er opfyldt)' as label,
        'Indekset samler alle troskabsregler. Se de enkelte regler med gult eller rødt lys for, '
        || 'hvad der typisk ligger bag, og hvad I kan gøre.' as guidance,
        sum(checked) as checked,
        sum(passed) as passed
    from per_rule
    group by kommunekode, indsats, period_type, period
),

combined as (
    select * from per_rule
    union all
    select * from composite
),

final as (
    select
        combined.kommunekode,
        combined.indsats,
        combined.period_type,
        combined.period,
        combined.rule_code,
        combined.rule_type,
        combined.label,
        combined.guidance,
        cast(combined.checked as bigint) as checked,
        cast(combined.passed as bigint) as passed,
        case when combined.checked > 0 then cast(combined.passed as double) / combined.checked end as adherence,
        case
            when combined.checked = 0 then null
            when cast(combined.passed as double) / combined.checked >= thresholds.green_from then 'grøn'
            when cast(combined.passed as double) / combined.checked >= thresholds.yellow_from then 'gul'
            else 'rød'
        end as light,
        coalesce(indicators.suppressed, true) as suppressed,
        case
            when indicators.suppression is not null then indicators.suppression
            when coalesce(indicators.suppressed, true) then 'secondary'
        end as suppression
    from combined
    cross join thresholds
    left join indicators
        on
            combined.kommunekode = indicators.kommunekode
            and combined.indsats = indicators.indsats
            and combined.period_type = indicators.period_type
            and combined.period = indicators.period
            and indicators.indicator = case
                when combined.rule_code = 'indeks' then 'fidelity_index'
                else 'fidelity_rule_' || combined.rule_code
            end
)

select * from final
