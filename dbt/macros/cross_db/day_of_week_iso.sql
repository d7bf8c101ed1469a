{#- ISO day of the week, 1 = Monday ... 7 = Sunday (dbt has no built-in): Snowflake spells it dayofweekiso. -#}
{% macro day_of_week_iso(date) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'health_finance_claims')(date)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(date) -%}
    extract(isodow from {{ date }})
{%- endmacro %}

{% macro snowflake__day_of_week_iso(date) -%}
    dayofweekiso({{ date }})
{%- endmacro %}
