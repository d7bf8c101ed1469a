{#-
  Snowflake-emulator overlay (see ../README.md): the snapshot staging table.

  dbt's snapshot materialization builds its staging relation as a TEMPORARY table with a fully
  qualified name ("DB"."SNAPSHOTS"."X__dbt_tmp"). Real Snowflake accepts that; fakesnow runs on
  DuckDB, which only allows temporary tables in its `temp` catalog and rejects it. Here the staging
  table is an ordinary table, dropped after the snapshot (post_snapshot).
-#}
{% macro build_snapshot_staging_table(strategy, sql, target_relation) %}
    {% set temp_relation = make_temp_relation(target_relation) %}
    {% set select = snapshot_staging_table(strategy, sql, target_relation) %}
    {% call statement('build_snapshot_staging_relation') %}
        {{ create_table_as(False, temp_relation, select) }}
    {% endcall %}
    {% do return(temp_relation) %}
{% endmacro %}

{% macro snowflake__post_snapshot(staging_relation) %}
    {% do adapter.drop_relation(staging_relation) %}
{% endmacro %}
