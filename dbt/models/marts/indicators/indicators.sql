-- marts.indicators: the long indicator table of domain §9 with disclosure control applied and the
-- municipality's data-quality badge (see _indicators__models.yml). The verdicts come from
-- int_indicators__suppression (udbredelse.disclosure, once per intervention, kept incrementally);
-- the badge is joined here because it moves with every delivery (timeliness), in every intervention.
with suppression as (
    select * from {{ ref('int_indicators__suppression') }}
),

scorecard as (
    select * from {{ ref('dq_scorecard') }}
),

final as (
    select
        suppression.kommunekode,
        suppression.indsats,
        suppression.period_type,
        suppression.period,
        suppression.indicator,
        suppression.numerator,
        suppression.denominator,
        suppression.value,
        suppression.suppressed,
        cast(scorecard.quality_badge as varchar) as quality
    from suppression
    left join scorecard
        on suppression.kommunekode = scorecard.kommunekode and suppression.indsats = scorecard.indsats
)

select * from final
