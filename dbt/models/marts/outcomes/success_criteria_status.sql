-- One row per kommune x indsats (incl. national '000') x success criterion of the intervention's
-- catalog entry: the indicator's value in the latest year with a value, the threshold and whether it
-- is met (empty while there is no value).
with indicators as (
    select * from {{ ref('indicators') }}
),

criteria as (
    select * from {{ source('catalog', 'success_criteria') }}
),

pairs as (
    select distinct
        kommunekode,
        indsats
    from indicators
),

yearly_values as (
    select
        kommunekode,
        indsats,
        indicator,
        period,
        numerator,
        denominator,
        value,
        suppressed,
        row_number() over (
            partition by kommunekode, indsats, indicator
            order by period desc
        ) as recency_rank
    from indicators
    where period_type = 'year' and value is not null
),

final as (
    select
        pairs.kommunekode,
        pairs.indsats,
        criteria.indicator,
        criteria.label,
        criteria.operator,
        criteria.threshold,
        yearly_values.period,
        yearly_values.numerator,
        yearly_values.denominator,
        yearly_values.value,
        yearly_values.suppressed,
        case
            when yearly_values.value is null then null
            when criteria.operator = '>=' then yearly_values.value >= criteria.threshold
            when criteria.operator = '<=' then yearly_values.value <= criteria.threshold
        end as is_met
    from pairs
    inner join criteria on pairs.indsats = criteria.indsats
    left join yearly_values
        on
            pairs.kommunekode = yearly_values.kommunekode
            and pairs.indsats = yearly_values.indsats
            and criteria.indicator = yearly_values.indicator
            and yearly_values.recency_rank = 1
)

select * from final
