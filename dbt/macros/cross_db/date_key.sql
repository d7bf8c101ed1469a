{#- Integer date key yyyymmdd of a date (the key of dim_date); portable arithmetic, no dispatch needed. -#}
{% macro date_key(date) -%}
    cast(extract(year from {{ date }}) * 10000 + extract(month from {{ date }}) * 100 + extract(day from {{ date }}) as integer)
{%- endmacro %}
