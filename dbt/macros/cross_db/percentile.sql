{#-
  Continuous (interpolated) percentile aggregate, percentile('turnaround_days', 0.9) (dbt has no
  built-in): the ordered-set form, which Snowflake and DuckDB both run.
-#}
{% macro percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}
