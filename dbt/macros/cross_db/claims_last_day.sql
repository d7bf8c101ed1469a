{#-
  Last day of the `datepart` (month, quarter, year) containing a date, as a DATE.
  Snowflake has LAST_DAY(date, part); DuckDB's last_day only knows months.
-#}
{% macro claims_last_day(date, datepart='month') -%}
    {{ return(adapter.dispatch('claims_last_day', 'health_finance_claims')(date, datepart)) }}
{%- endmacro %}

{% macro default__claims_last_day(date, datepart) -%}
    {{ health_finance_claims.claims_dateadd('day', -1, health_finance_claims.claims_dateadd(datepart, 1, health_finance_claims.claims_date_trunc(datepart, date))) }}
{%- endmacro %}

{% macro snowflake__claims_last_day(date, datepart) -%}
    last_day({{ date }}, {{ datepart }})
{%- endmacro %}

{% macro duckdb__claims_last_day(date, datepart) -%}
    {%- if datepart == 'month' -%}
        last_day({{ date }})
    {%- else -%}
        {{ default__claims_last_day(date, datepart) }}
    {%- endif -%}
{%- endmacro %}
