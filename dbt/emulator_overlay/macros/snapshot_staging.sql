{#-
  Emulator-only variant (var snowflake_emulator, set by dbt/tests_python when running on fakesnow).

  dbt's snapshot materialization builds its staging relation as a TEMPORARY table with a fully
  qualified name ("DB"."SNAPSHOTS"."X__dbt_tmp"). Real Snowflake accepts that; fakesnow runs on
  DuckDB, which only allows temporary tables in its `temp` catalog and rejects it. Under the
  emulator the staging table is created as an ordinary table and dropped after the snapshot
  (post_snapshot). Without the var, both macros do exactly what dbt does.
-#}
{% macro build_snapshot_staging_table(strategy, sql, target_relation) %}
    {%- if target.type == 'snowflake' and var('snowflake_emulator', false) -%}
        {% set temp_relation = make_temp_relation(target_relation) %}
        {% set select = snapshot_staging_table(strategy, sql, target_relation) %}
        {% call statement('build_snapshot_staging_relation') %}
            {{ create_table_as(False, temp_relation, select) }}
        {% endcall %}
        {% do return(temp_relation) %}
    {%- else -%}
        {% do return(dbt.build_snapshot_staging_table(strategy, sql, target_relation)) %}
    {%- endif -%}
{% endmacro %}

{% macro snowflake__post_snapshot(staging_relation) %}
    {%- if var('snowflake_emulator', false) -%}
        {% do adapter.drop_relation(staging_relation) %}
    {%- endif -%}
{% endmacro %}
