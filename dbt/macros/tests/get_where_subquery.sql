{#-
    What a generic test reads of the model it tests. dbt's own behaviour (the test's `where`
    config), plus the batch scope of an incremental build: when the transform stage builds one
    batch on top of earlier ones it sets CLAIMS_DBT_BATCH_SCOPE to the batch, and a row-level test
    (each row checked on its own: values, ranges, row expressions, not-null, a child row's foreign
    key) on a model whose config names its `meta.batch_column` checks only the rows of that batch
    and later. row_rules applies the scope itself (its uniqueness rules read the whole model).
    Tests across rows (SCD2 history) and models without a batch column still read the
    whole table, and so does every test of a full build or of `dbt build` by hand. The variable is
    read at execution only: parse results (and dbt's partial parse) do not depend on it.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set scoped = adapter.dispatch('get_where_subquery', 'dbt')(relation) -%}
    {%- set predicate = batch_scope_predicate() if execute and (model.test_metadata or {}).get('name') != 'row_rules' else none -%}
    {%- if predicate -%}
        {%- set filtered -%}
            (select * from {{ scoped }} where {{ predicate }}) dbt_batch_scope
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(scoped) -%}
{%- endmacro %}

{#- The rows a row-level test of this build checks ("_batch_id >= 3"), or none for all of them. -#}
{% macro batch_scope_predicate() -%}
    {%- set row_level = ['row_rules', 'accepted_values', 'not_null', 'relationships'] -%}
    {%- if not env_var('CLAIMS_DBT_BATCH_SCOPE', '') or model.resource_type != 'test' or not model.test_metadata or model.test_metadata.name not in row_level -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set column = tested.config.meta.get('batch_column') if tested else none -%}
    {%- do return(column ~ ' >= ' ~ (env_var('CLAIMS_DBT_BATCH_SCOPE') | int) if column else none) -%}
{%- endmacro %}
