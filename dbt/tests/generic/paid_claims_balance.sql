{#-
  Financial invariant (claims contract rule paid_claims_balance): on paid and adjusted claims the
  plan payment plus the member's cost share (deductible + copay + coinsurance) equals the allowed
  amount, to the cent. Rows with a missing term or a difference fail.
-#}
{% test paid_claims_balance(model, status_column='claim_status', statuses=['paid', 'adjusted'],
                            paid_column='paid_amount', deductible_column='deductible_amount',
                            copay_column='copay_amount', coinsurance_column='coinsurance_amount',
                            allowed_column='allowed_amount') %}
select *
from {{ model }}
where {{ status_column }} in ({% for s in statuses %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
  and (
       {{ paid_column }} is null or {{ deductible_column }} is null or {{ copay_column }} is null
    or {{ coinsurance_column }} is null or {{ allowed_column }} is null
    or {{ paid_column }} + {{ deductible_column }} + {{ copay_column }} + {{ coinsurance_column }} <> {{ allowed_column }}
  )
{% endtest %}
