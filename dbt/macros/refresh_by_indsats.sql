{#- Incremental refresh by intervention (udbredelse.transform.refresh_marts, `udbredelse build`).

    A model partitioned by intervention has
        {{ config(materialized='incremental', incremental_strategy='append',
                  pre_hook="{{ delete_refreshed_indsats() }}") }}
    and ends with `where {{ refreshed_indsats_filter() }}`. Each of its rows for an intervention
    depends only on rows of the same intervention (municipal rows and the national '000' rows that
    pool them), so a new file for intervention I changes only I's rows:

    - full build (`--full-refresh`, or the table does not exist yet): the filter is `true`, the
      table is created from scratch;
    - refresh with env UDBREDELSE_REFRESH_INDSATS = "I,J" (comma-separated, may be empty): the
      pre-hook deletes the rows of those interventions and the model appends them recomputed;
      other interventions' rows stay;
    - incremental run without that env var: every row is deleted and recomputed.
    The list is an environment variable, not a dbt var: a changed var makes dbt re-parse the whole
    project (~5 s), and the env var is only read at run time (is_incremental() is false while
    parsing). tests/perf checks that a refresh gives exactly the marts of a full rebuild. -#}

{% macro refreshed_indsats_filter(column='indsats') -%}
    {#- unit tests render models without a relation (`this`): they test the full-build path -#}
    {%- if this is not none and is_incremental() -%}
        {#- (sqlfluff's templater has no env_var: it lints the all-rows branch) -#}
        {%- set listed = env_var('UDBREDELSE_REFRESH_INDSATS', '<all>') if env_var is defined else '<all>' -%}
        {%- set codes = listed.split(',') | map('trim') | reject('equalto', '') | list -%}
        {%- if listed == '<all>' -%}
            true
        {%- elif codes | length == 0 -%}
            false
        {%- else -%}
            {{ column }} in ({%- for code in codes -%}
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
