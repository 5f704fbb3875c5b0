-- marts.indicator_definitions: every indicator's Danish label and definition, the fields of the
-- municipality's files it is counted from and why it matters, written by the build
-- from the `meta.indicators` of the indicator models (one home for the text; the dashboard's
-- "Om indikatorerne" page and its labels read this table), plus one row per indicator model with
-- its description (indicator empty). Codes with <...> are templates (e.g. register_<indicator>_12m).
{%- set rows = [] -%}
{%- if execute -%}
    {%- set models = graph.nodes.values() | selectattr("resource_type", "equalto", "model")
        | selectattr("config.meta.indicators", "defined") | list -%}
    {%- for node in models | sort(attribute="config.meta.indicator_order") -%}
        {%- set source = node.patch_path.split("://")[-1] -%}
        {%- for item in node.config.meta.indicators -%}
            {%- do rows.append([item.code, item.label, item.definition, item.get("fields", ""), item.get("why", ""),
                item.get("periods", ""), node.name, source]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for node in models | sort(attribute="config.meta.indicator_order") -%}
        {%- do rows.append([none, node.name, node.description | replace("\n", " ") | trim, "", "", "", node.name,
            node.patch_path.split("://")[-1]]) -%}
    {%- endfor -%}
{%- endif %}

{% if rows %}
    select
        definitions.sort_order::integer as sort_order,
        definitions.indicator::varchar as indicator,
        definitions.label::varchar as label,
        definitions.definition::varchar as definition,
        definitions.source_fields::varchar as source_fields,
        definitions.why_it_matters::varchar as why_it_matters,
        definitions.periods::varchar as periods,
        definitions.model::varchar as model,
        definitions.source::varchar as source
    from (
        values
        {%- for row in rows %}
            ({{ loop.index }},
            {%- for cell in row %}
                {{ "null" if cell is none else "'" ~ (cell | replace("'", "''")) ~ "'" }}{{ "," if not loop.last }}
            {%- endfor %}){{ "," if not loop.last }}
        {%- endfor %}
    ) as definitions (sort_order, indicator, label, definition, source_fields, why_it_matters, periods, model, source)
{% else %}
    select
        null::integer as sort_order,
        null::varchar as indicator,
        null::varchar as label,
        null::varchar as definition,
        null::varchar as source_fields,
        null::varchar as why_it_matters,
        null::varchar as periods,
        null::varchar as model,
        null::varchar as source
    where false
{% endif %}
