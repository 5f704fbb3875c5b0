{#- Incremental refresh by intervention (udbredelse.transform, `udbredelse build`).

    A model partitioned by intervention has
        {{ config(materialized='incremental', incremental_strategy='append',
                  pre_hook="{{ delete_refreshed_indsats() }}") }}
    and ends with `where {{ refreshed_indsats_filter() }}`. Each of its rows for an intervention
    depends only on rows of the same intervention (municipal rows and the national '000' rows that
    pool them), so a new file for intervention I changes only I's rows:

    - full build (`--full-refresh`, or the table does not exist yet): the filter is `true`, the
      table is created from scratch;
    - refresh with var refresh_indsats = [I, ...]: the pre-hook deletes the rows of those
      interventions and the model appends them recomputed; other interventions' rows stay;
    - incremental run without the var: every row is deleted and recomputed (a full recompute).
    tests/perf checks that a refresh gives exactly the marts of a full rebuild. -#}

{% macro refreshed_indsats_filter(column='indsats') -%}
    {%- set selected = var('refresh_indsats', none) -%}
    {#- unit tests render models without a relation (`this`): they test the full-build path -#}
    {%- if this is not none and is_incremental() and selected is not none -%}
        {%- if selected | length == 0 -%}
            false
        {%- else -%}
            {{ column }} in ({%- for code in selected -%}
                '{{ code | replace("'", "''") }}'{{ ", " if not loop.last }}
            {%- endfor -%})
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_refreshed_indsats() -%}
    {%- if this is not none and is_incremental() -%}
        delete from {{ this }} where {{ refreshed_indsats_filter() }}
    {%- endif -%}
{%- endmacro %}
