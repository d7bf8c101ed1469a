{#- dbt.date_trunc, always a DATE: DuckDB's date_trunc returns a TIMESTAMP, Snowflake's a DATE. -#}
{% macro claims_date_trunc(datepart, date) -%}
    cast({{ dbt.date_trunc(datepart, date) }} as date)
{%- endmacro %}
