{#-
  Whole `datepart` boundaries crossed between two dates/timestamps (Snowflake DATEDIFF semantics):
  claims_datediff('day', 'received_date', 'paid_date'). The datepart is a quoted literal: day, week, month,
  quarter, year, hour, minute, second.
-#}
{% macro claims_datediff(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('claims_datediff', 'health_finance_claims')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__claims_datediff(datepart, start_date, end_date) -%}
    datediff({{ datepart }}, {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro snowflake__claims_datediff(datepart, start_date, end_date) -%}
    datediff({{ datepart }}, {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro duckdb__claims_datediff(datepart, start_date, end_date) -%}
    date_diff('{{ datepart }}', {{ start_date }}, {{ end_date }})
{%- endmacro %}
