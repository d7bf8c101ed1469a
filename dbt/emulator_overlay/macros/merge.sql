{#-
  Snowflake-emulator overlay (see ../README.md): dbt-snowflake's MERGE statements as fakesnow
  can run them. Only on the macro path when CLAIMS_DBT_EMULATOR_OVERLAY=1; the deployed project
  runs dbt's own macros.

  dbt writes the INSERT branch of a MERGE as `insert (c1, c2) values (c1, c2)`, the value columns
  unqualified; Snowflake resolves them against the source. fakesnow emulates MERGE by joining
  target and source in DuckDB, where an unqualified column present on both sides is ambiguous
  ("Binder Error: Ambiguous reference to column name"). Here the value columns are qualified with
  DBT_INTERNAL_SOURCE (also valid Snowflake SQL), and the statement is not wrapped in
  BEGIN ... COMMIT: fakesnow's MERGE emulation also writes to its own bookkeeping database, which
  DuckDB refuses inside a transaction that already changed the target database ("a single
  transaction can only write to a single attached database").
-#}
{% macro _qualify_merge_insert_values(dml, columns_csv, columns) %}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append('DBT_INTERNAL_SOURCE.' ~ column) -%}
    {%- endfor -%}
    {%- set parts = dml.rsplit('(' ~ columns_csv ~ ')', 1) -%}
    {%- if parts | length != 2 -%}
        {{ exceptions.raise_compiler_error("emulator merge overlay: could not find the INSERT value list to qualify") }}
    {%- endif -%}
    {{ return(parts[0] ~ '(' ~ (qualified | join(', ')) ~ ')' ~ parts[1]) }}
{% endmacro %}

{% macro snowflake__snapshot_merge_sql(target, source, insert_cols) %}
    {%- set dml = dbt.default__snapshot_merge_sql(target, source, insert_cols) -%}
    {{ return(_qualify_merge_insert_values(dml, insert_cols | join(', '), insert_cols)) }}
{% endmacro %}

{% macro snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) %}
    {%- if unique_key is none -%}
        {{ return(dbt.snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
    {%- set names = dest_columns | map(attribute='name') | list -%}
    {%- set quoted = [] -%}
    {%- for name in names -%}
        {%- do quoted.append(adapter.quote(name)) -%}
    {%- endfor -%}
    {%- set dml = dbt.default__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {{ return(_qualify_merge_insert_values(dml, get_quoted_csv(names), quoted)) }}
{% endmacro %}
