{#-
  A DATE moved by `interval` datepart units (day, week, month, quarter, year); returns a DATE on
  every adapter (DuckDB's date + interval yields a TIMESTAMP, so it is cast back).
  claims_dateadd('month', -11, 'month_start_date').
-#}
{% macro claims_dateadd(datepart, interval, from_date) -%}
    {{ return(adapter.dispatch('claims_dateadd', 'health_finance_claims')(datepart, interval, from_date)) }}
{%- endmacro %}

{% macro default__claims_dateadd(datepart, interval, from_date) -%}
    cast(dateadd({{ datepart }}, {{ interval }}, {{ from_date }}) as date)
{%- endmacro %}

{% macro snowflake__claims_dateadd(datepart, interval, from_date) -%}
    cast(dateadd({{ datepart }}, {{ interval }}, {{ from_date }}) as date)
{%- endmacro %}

{% macro duckdb__claims_dateadd(datepart, interval, from_date) -%}
    cast({{ from_date }} + to_{{ datepart }}s(cast({{ interval }} as integer)) as date)
{%- endmacro %}
