-- The reference implementation's daily member fact: one row per member and first date of
-- service, over the claims at their current state.
with claims as (
    select * from {{ ref('fct_claims') }}
)

select
    {{ surrogate_key(['member_id', 'service_from_date']) }} as member_day_key,
    member_id,
    service_from_date,
    service_from_date_key,
    count(*) as claim_count,
    sum(case when is_adjudicated then 1 else 0 end) as adjudicated_claim_count,
    {{ money('sum(billed_amount)') }} as billed_total,
    {{ money('coalesce(sum(allowed_amount), 0)') }} as allowed_total,
    {{ money('coalesce(sum(paid_amount), 0)') }} as paid_total,
    cast(round(avg(reimbursement_ratio_billed), 4) as decimal(9, 4)) as avg_reimbursement_ratio
from claims
group by member_id, service_from_date, service_from_date_key
