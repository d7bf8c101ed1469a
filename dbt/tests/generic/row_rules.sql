{#-
  Every row-level rule of a model in one test: a row fails when it breaks any of them, and
  `failed_rules` names which ("claim_type not accepted; paid_amount out of range"). One query per
  model instead of one per rule and column: on this project's data a build's time goes on dbt's
  per-test overhead (about 25 ms of Python each), not on the rows.
    data_tests:
      - row_rules:
          name: row_rules_<model>            # a readable name; dbt's own would be hashed
          arguments:
            not_null: [claim_id, member_id]                  # NULL fails
            accepted_values: {claim_type: [professional]}    # another value fails, NULL passes
            accepted_range: {paid_amount: {min_value: 0}}    # inclusive bounds, NULL passes
            expressions:                                     # must be true: NULL or false fails
              amounts_ordered: "paid_amount <= allowed_amount"
  Rules across rows (uniqueness, relationships, SCD2 history) stay tests of their own.
-#}
{% test row_rules(model, not_null=[], accepted_values={}, accepted_range={}, expressions={}) %}
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
{%- if not checks -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": no rule given") }}
{%- endif %}
select
    rtrim({% for label, failing in checks -%}
    case when {{ failing }} then '{{ label }}; ' else '' end{% if not loop.last %} || {% endif %}
    {%- endfor %}, '; ') as failed_rules,
    *
from {{ model }}
where {% for label, failing in checks %}({{ failing }}){% if not loop.last %}
   or {% endif %}{% endfor %}
{% endtest %}
