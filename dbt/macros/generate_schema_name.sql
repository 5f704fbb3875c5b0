{#- Models land in the schema named in dbt_project.yml (staging, intermediate, marts) as is,
    not prefixed with the target schema: the platform's readers query marts.indicators. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
