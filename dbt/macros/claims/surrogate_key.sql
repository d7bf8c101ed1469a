{#-
  Deterministic surrogate key: md5 (hex) of the columns cast to strings, joined with '-', where
  NULL becomes the token '_null_' (so NULL and '' differ, and a NULL does not null the whole key).
  md5, || and varchar casts exist on DuckDB and Snowflake alike. A key is stable within one
  warehouse (timestamps stringify per the platform's default format), which is all a key needs.
  surrogate_key(['member_id', 'dbt_valid_from'])
-#}
{% macro surrogate_key(columns) -%}
    md5(
    {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '_null_'){{ " || '-' ||" if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}
