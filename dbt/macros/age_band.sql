{#- The age band of a citizen at start, as used in the indicator codes starts_age_<band>.
    Keep in step with age_bands() below. -#}
{% macro age_band(age_column) -%}
    case
        when {{ age_column }} is null or {{ age_column }} < 0 then 'ukendt'
        when {{ age_column }} < 15 then '0_14'
        when {{ age_column }} < 18 then '15_17'
        when {{ age_column }} < 25 then '18_24'
        when {{ age_column }} < 30 then '25_29'
        when {{ age_column }} < 50 then '30_49'
        when {{ age_column }} < 65 then '50_64'
        else '65_plus'
    end
{%- endmacro %}

{#- Every age band, so that a period without starts in a band reports 0 rather than nothing. -#}
{% macro age_bands() -%}
    ['0_14', '15_17', '18_24', '25_29', '30_49', '50_64', '65_plus', 'ukendt']
{%- endmacro %}
