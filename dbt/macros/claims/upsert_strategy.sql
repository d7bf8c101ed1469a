{#-
  The incremental strategy of the models that replace changed rows by key (unique_key). Snowflake
  merges. DuckDB deletes the keys and appends the new rows: its MERGE rewrites every column of
  each matched row in place, and at 1M claims a batch's 100k-claim upsert into fct_claims took
  3.5 s as MERGE (statement and commit) against 1.7 s as delete+insert, the same rows either way.
-#}
{% macro upsert_strategy() -%}
    {{- return('merge' if target.type == 'snowflake' else 'delete+insert') -}}
{%- endmacro %}
