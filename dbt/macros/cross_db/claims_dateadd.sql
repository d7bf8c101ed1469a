{#- dbt.dateadd, always a DATE: DuckDB's date + interval is a TIMESTAMP, Snowflake keeps the DATE. -#}
{% macro claims_dateadd(datepart, interval, from_date) -%}
    cast({{ dbt.dateadd(datepart, interval, from_date) }} as date)
{%- endmacro %}
