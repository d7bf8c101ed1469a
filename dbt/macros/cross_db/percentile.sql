{#-
  Continuous (interpolated) percentile of a numeric expression, as an aggregate:
  percentile('turnaround_days', 0.9). Snowflake spells it as an ordered-set aggregate; DuckDB has
  quantile_cont (it parses the ordered-set form too, but the function form is its native one).
-#}
{% macro percentile(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'health_finance_claims')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
