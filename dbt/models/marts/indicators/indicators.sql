-- marts.indicators: the long indicator table (README "The indicator table") with disclosure control applied and the
-- municipality's data-quality badge (see _indicators__models.yml). The verdicts come from
-- int_indicators__protected (udbredelse.disclosure, once per intervention, reused in a refresh for
-- interventions whose rows did not change); the badge is joined here because it moves with every
-- delivery (timeliness), in every intervention.
with protected as (
    select * from {{ ref('int_indicators__protected') }}
),

scorecard as (
    select * from {{ ref('dq_scorecard') }}
),

final as (
    select
        protected.kommunekode,
        protected.indsats,
        protected.period_type,
        protected.period,
        protected.indicator,
        protected.numerator,
        protected.denominator,
        protected.value,
        protected.public,
        protected.suppressed,
        protected.suppression,
        cast(scorecard.quality_badge as varchar) as quality
    from protected
    left join scorecard
        on protected.kommunekode = scorecard.kommunekode and protected.indsats = scorecard.indsats
)

select * from final
