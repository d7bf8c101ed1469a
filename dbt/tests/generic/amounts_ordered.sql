{#-
  Financial invariant (claims contract rule amounts_ordered): paid <= allowed <= billed wherever
  the amounts are known. Rows breaking either inequality fail.
-#}
{% test amounts_ordered(model, paid_column='paid_amount', allowed_column='allowed_amount', billed_column='billed_amount') %}
select *
from {{ model }}
where ({{ paid_column }} is not null and {{ allowed_column }} is not null and {{ paid_column }} > {{ allowed_column }})
   or ({{ allowed_column }} is not null and {{ billed_column }} is not null and {{ allowed_column }} > {{ billed_column }})
{% endtest %}
