{#-
  Integers n = 0 .. row_count - 1 (a constant), for date spines. Over dbt.generate_series it adds
  integer n on Snowflake (GENERATOR numbered with row_number, where generate_series builds the
  numbers from power(), a FLOAT there); DuckDB uses range(); the default cross-joins digits.
-#}
{% macro integer_sequence(row_count) -%}
    {{ return(adapter.dispatch('integer_sequence', 'health_finance_claims')(row_count)) }}
{%- endmacro %}

{% macro default__integer_sequence(row_count) -%}
    {%- set digits = (row_count - 1) | string | length -%}
    select n from (
        select {% for i in range(digits) %}d{{ i }}.d * {{ 10 ** i }}{{ ' + ' if not loop.last }}{% endfor %} as n
        from {% for i in range(digits) %}(
            select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
            union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
        ) as d{{ i }}{{ ' cross join ' if not loop.last }}{% endfor %}
    ) as digits
    where n < {{ row_count }}
{%- endmacro %}

{% macro snowflake__integer_sequence(row_count) -%}
    select row_number() over (order by seq4()) - 1 as n
    from table(generator(rowcount => {{ row_count }}))
{%- endmacro %}

{% macro duckdb__integer_sequence(row_count) -%}
    select range as n from range({{ row_count }})
{%- endmacro %}
