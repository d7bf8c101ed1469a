{#-
  First day of the `datepart` (week, month, quarter, year) containing a date, as a DATE.
  DuckDB's date_trunc returns a TIMESTAMP, Snowflake's a DATE for a DATE argument.
-#}
{% macro claims_date_trunc(datepart, date) -%}
    {{ return(adapter.dispatch('claims_date_trunc', 'health_finance_claims')(datepart, date)) }}
{%- endmacro %}

{% macro default__claims_date_trunc(datepart, date) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) as date)
{%- endmacro %}

{% macro snowflake__claims_date_trunc(datepart, date) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) as date)
{%- endmacro %}

{% macro duckdb__claims_date_trunc(datepart, date) -%}
    cast(date_trunc('{{ datepart }}', {{ date }}) as date)
{%- endmacro %}
