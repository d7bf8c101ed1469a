{#-
    What a generic test reads of the model it tests. dbt's own behaviour (the test's `where`
    config), plus the batch scope of an incremental build: when the transform stage builds one
    batch on top of earlier ones it sets CLAIMS_DBT_BATCH_SCOPE to the batch, and a row-level test
    (each row checked on its own: values, ranges, row expressions, not-null, a child row's foreign
    key) on a model whose config names its `meta.batch_column` checks only the rows of that batch
    and later. Tests across rows (uniqueness, SCD2 history) and models without a batch column
    still read the whole table, and so does every test of a full build or of `dbt build` by hand.
    The variable is read at execution only: parse results (and dbt's partial parse) do not depend
    on it.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set scoped = adapter.dispatch('get_where_subquery', 'dbt')(relation) -%}
    {%- set column = batch_scope_column() if execute else none -%}
    {%- if column -%}
        {%- set filtered -%}
            (select * from {{ scoped }} where {{ column }} >= {{ env_var('CLAIMS_DBT_BATCH_SCOPE') | int }}) dbt_batch_scope
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(scoped) -%}
{%- endmacro %}

{#- The batch column a row-level test of this build is scoped by, or none. -#}
{% macro batch_scope_column() -%}
    {%- set row_level = ['row_rules', 'accepted_values', 'not_null', 'relationships'] -%}
    {%- if not env_var('CLAIMS_DBT_BATCH_SCOPE', '') or model.resource_type != 'test' or not model.test_metadata or model.test_metadata.name not in row_level -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- do return(tested.config.meta.get('batch_column') if tested else none) -%}
{%- endmacro %}
