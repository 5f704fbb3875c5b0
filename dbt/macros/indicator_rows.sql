{#- Helpers that turn a wide aggregate (one row per kommunekode x indsats x period) into rows of the
    long indicator table: kommunekode, indsats, period_type, period, indicator, numerator,
    denominator, value. Counts: numerator = value, no denominator. Ratios: value = numerator /
    denominator, empty when the denominator is 0. Statistics (medians): value over n courses,
    n in the denominator, empty when n is 0. -#}

{% macro count_indicator(relation, indicator, count_column) -%}
    select
        kommunekode,
        indsats,
        period_type,
        period,
        '{{ indicator }}' as indicator,
        cast({{ count_column }} as double) as numerator,
        cast(null as double) as denominator,
        cast({{ count_column }} as double) as value
    from {{ relation }}
{%- endmacro %}

{#- Counts broken down by a category: the relation names each row's indicator in its column
    `indicator` (e.g. 'ended_reason_<code>', 'starts_age_<band>'). -#}
{% macro breakdown_count_indicator(relation, count_column) -%}
    select
        kommunekode,
        indsats,
        period_type,
        period,
        indicator,
        cast({{ count_column }} as double) as numerator,
        cast(null as double) as denominator,
        cast({{ count_column }} as double) as value
    from {{ relation }}
{%- endmacro %}

{% macro ratio_indicator(relation, indicator, numerator_column, denominator_column) -%}
    select
        kommunekode,
        indsats,
        period_type,
        period,
        '{{ indicator }}' as indicator,
        cast({{ numerator_column }} as double) as numerator,
        cast({{ denominator_column }} as double) as denominator,
        case
            when {{ denominator_column }} > 0
                then cast({{ numerator_column }} as double) / {{ denominator_column }}
        end as value
    from {{ relation }}
{%- endmacro %}

{% macro statistic_indicator(relation, indicator, value_column, n_column) -%}
    select
        kommunekode,
        indsats,
        period_type,
        period,
        '{{ indicator }}' as indicator,
        cast(null as double) as numerator,
        cast({{ n_column }} as double) as denominator,
        case when {{ n_column }} > 0 then cast({{ value_column }} as double) end as value
    from {{ relation }}
{%- endmacro %}

{#- Rows of a course x period relation for the municipality, and again under '000' for the
    national total, so that national figures (medians included) pool the same courses. -#}
{% macro with_national(relation, columns) -%}
    select
        kommunekode,
        {{ columns | join(',\n        ') }}
    from {{ relation }}
    union all
    select
        '000' as kommunekode,
        {{ columns | join(',\n        ') }}
    from {{ relation }}
{%- endmacro %}
