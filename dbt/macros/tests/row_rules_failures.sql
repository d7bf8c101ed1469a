{#- The failing rows of the given checks, each named in failed_rules; `scope` limits the rows read. -#}
{% macro row_rules_failures(checks, joins, keys, scope) %}
select
    rtrim({% for label, failing in checks -%}
    case when {{ failing }} then '{{ label }}; ' else '' end{% if not loop.last %} || {% endif %}
    {%- endfor %}, '; ') as failed_rules,
    row_rules_tested.*
from row_rules_tested
{%- for alias, column, cte in joins %}
left join {{ cte }} as {{ alias }} on row_rules_tested.{{ column }} = {{ alias }}.row_rules_key
{%- endfor %}
{%- for alias, columns, label in keys %}
left join {{ alias }} on {% for c in columns %}row_rules_tested.{{ c }} = {{ alias }}.row_rules_key_{{ loop.index }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endfor %}
where {% if scope %}{{ scope }} and {% endif %}({% for label, failing in checks %}({{ failing }}){% if not loop.last %}
   or {% endif %}{% endfor %})
{%- endmacro %}
