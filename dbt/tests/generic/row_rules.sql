{#-
  Every rule of a model in one test: a row fails when it breaks any of them, and `failed_rules`
  names which ("claim_type not accepted; member_id not in dim_members.member_id"). One query per
  model instead of one per rule and column: on this project's data a build's time goes on dbt's
  per-test overhead (about 100 ms a node on 2 cores), not on the rows.
    data_tests:
      - row_rules:
          name: row_rules_<model>            # a readable name; dbt's own would be hashed
          arguments:
            not_null: [claim_id, member_id]                  # NULL fails
            accepted_values: {claim_type: [professional]}    # another value fails, NULL passes
            accepted_range: {paid_amount: {min_value: 0}}    # inclusive bounds, NULL passes
            expressions:                                     # must be true: NULL or false fails
              amounts_ordered: "paid_amount <= allowed_amount"
            relationships:                                   # the value must exist there, NULL passes
              member_id: {to: ref('dim_members'), field: member_id}
            unique: [claim_id, [claim_id, claim_version]]    # a column or a combination of columns
  Uniqueness is judged as SQL's UNIQUE constraint does: a key with a NULL part equals nothing
  (not_null says whether it may be NULL), and every row sharing a key fails.
  In an incremental build the row-level rules check the batch's rows only (get_where_subquery),
  uniqueness always the whole model. SCD2 history stays a test of its own.
-#}
{% test row_rules(model, not_null=[], accepted_values={}, accepted_range={}, expressions={}, relationships={}, unique=[]) %}
{%- set checks = [] -%}
{%- for column in not_null -%}
    {%- do checks.append((column ~ ' is null', column ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set quoted = [] -%}
    {%- for v in values %}{% do quoted.append("'" ~ (v | string | replace("'", "''")) ~ "'") %}{% endfor -%}
    {%- do checks.append((column ~ ' not accepted', column ~ ' not in (' ~ quoted | join(', ') ~ ')')) -%}
{%- endfor -%}
{%- for column, bounds in accepted_range.items() -%}
    {%- set outside = [] -%}
    {%- if bounds.get('min_value') is not none %}{% do outside.append(column ~ ' < ' ~ bounds['min_value']) %}{% endif -%}
    {%- if bounds.get('max_value') is not none %}{% do outside.append(column ~ ' > ' ~ bounds['max_value']) %}{% endif -%}
    {%- if not outside -%}
        {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": accepted_range of " ~ column ~ " needs min_value, max_value or both") }}
    {%- endif -%}
    {%- do checks.append((column ~ ' out of range', '(' ~ outside | join(' or ') ~ ')')) -%}
{%- endfor -%}
{%- for name, expression in expressions.items() -%}
    {%- do checks.append((name, 'not coalesce((' ~ expression ~ '), false)')) -%}
{%- endfor -%}
{#- Each parent's keys once (distinct), so the left join cannot multiply the tested rows; one
    parent CTE per (relation, field), joined once per child column. -#}
{%- set parents = [] -%}
{%- set joins = [] -%}
{%- for column, target in relationships.items() -%}
    {%- if not target.get('to') or not target.get('field') -%}
        {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": the relationship of " ~ column ~ " needs `to` (a ref or source) and `field`") }}
    {%- endif -%}
    {%- set parent_id = (target['to'] | string) ~ '.' ~ target['field'] -%}
    {%- set parent = parents | selectattr('id', 'equalto', parent_id) | first -%}
    {%- if not parent -%}
        {%- set parent = {'id': parent_id, 'cte': 'row_rules_parent_' ~ (parents | length + 1), 'to': target['to'], 'field': target['field']} -%}
        {%- do parents.append(parent) -%}
    {%- endif -%}
    {%- set alias = 'row_rules_join_' ~ loop.index -%}
    {%- do joins.append((alias, column, parent['cte'])) -%}
    {%- do checks.append((column ~ ' not in ' ~ (target['to'].identifier or target['to']) ~ '.' ~ target['field'], column ~ ' is not null and ' ~ alias ~ '.row_rules_found is null')) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- set duplicated = [] -%}
{%- for key in unique -%}
    {%- set columns = [key] if key is string else key -%}
    {%- set label = columns[0] if columns | length == 1 else '(' ~ columns | join(', ') ~ ')' -%}
    {%- do keys.append(('row_rules_duplicate_' ~ loop.index, columns, label ~ ' not unique')) -%}
    {%- do duplicated.append((label ~ ' not unique', 'row_rules_duplicate_' ~ loop.index ~ '.row_rules_found')) -%}
{%- endfor -%}
{%- if not checks and not keys -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": no rule given") }}
{%- endif -%}
{%- set scope = batch_scope_predicate() if execute else none -%}
with row_rules_tested as (
    select * from {{ model }}
){% for parent in parents %},
{{ parent['cte'] }} as (
    select distinct {{ parent['field'] }} as row_rules_key, true as row_rules_found from {{ parent['to'] }}
){% endfor %}{% for alias, columns, label in keys %},
{{ alias }} as (
    select {% for c in columns %}{{ c }} as row_rules_key_{{ loop.index }}, {% endfor %}true as row_rules_found
    from row_rules_tested
    where {% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    group by {% for c in columns %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    having count(*) > 1
){% endfor %}
{{ row_rules_failures(checks + duplicated, joins, keys, scope) }}
{%- if scope and keys %}
union all
{#- Rows outside the batch are checked for uniqueness only: a new row may duplicate an old one. #}
{{ row_rules_failures(duplicated, [], keys, 'not coalesce(' ~ scope ~ ', false)') }}
{%- endif %}
{% endtest %}
