{#-
  Rows where any of the listed columns is null fail; `null_columns` names which ones. The same
  check as a not_null test on each column, in one query per model instead of one per column
  (dbt's per-test overhead, not the data, is what a build on this project spends its time on).
    data_tests:
      - columns_not_null:
          arguments: {column_names: [claim_id, member_id]}
-#}
{% test columns_not_null(model, column_names) %}
select
    {% for c in column_names -%}
    case when {{ c }} is null then '{{ c }} ' else '' end{% if not loop.last %} || {% endif %}
    {%- endfor %} as null_columns,
    *
from {{ model }}
where {% for c in column_names %}{{ c }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
