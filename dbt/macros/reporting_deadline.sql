{#- The reporting deadline rule, one home (dq_timeliness and period_coverage call it).

    delivery_due_date: a period's delivery is due `deadline_days` (catalog: interventions'
    reporting.deadline_days) after the end of the reporting period; a file received on that day is on time.

    delivery_as_of_date: the day deliveries are judged at: dbt var `dq_as_of` (production passes
    today's date, udbredelse/transform.py), else the latest arrival in the file manifest
    (`files_relation`, stg_raw__files or a CTE over it), which keeps demo and tests reproducible. -#}

{% macro delivery_due_date(period_end, deadline_days) -%}
    cast({{ period_end }} + to_days({{ deadline_days }}) as date)
{%- endmacro %}

{% macro delivery_as_of_date(files_relation) -%}
    {%- set as_of = var('dq_as_of', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select cast(max(received_at) as date) from {{ files_relation }})
    {%- endif -%}
{%- endmacro %}
