{#-
  Rows where a boolean SQL expression is not true fail. On a column, the expression may use the
  column by name. A where filter can be given in the test config, as for any dbt test.
    data_tests:
      - expression_is_true:
          arguments: {expression: "paid_amount <= allowed_amount"}
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
