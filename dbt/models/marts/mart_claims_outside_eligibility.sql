-- Claims incurred on a day the member was not covered (by the coverage periods received so far):
-- one row per such claim. mart_pmpm_monthly attributes claims to eligibility months, so these are
-- the claims (and the paid) PMPM leaves out. A quality figure, not a test: the generator draws
-- service dates inside coverage, but a real feed has them (retro-terminations, late enrolment
-- records) without anything being wrong with the build.
with claims as (
    select claim_id, member_id, provider_id, claim_status, service_from_date, billed_amount, paid_amount, _batch_id
    from {{ ref('fct_claims') }}
),

eligibility as (
    select member_id, month_start_date, month_end_date from {{ ref('int_members__eligibility_months') }}
)

select
    c.claim_id,
    c.member_id,
    c.provider_id,
    c.claim_status,
    c.service_from_date,
    c.billed_amount,
    c.paid_amount,
    c._batch_id
from claims as c
left join eligibility as e
    on c.member_id = e.member_id
    and c.service_from_date >= e.month_start_date
    and c.service_from_date <= e.month_end_date
where e.member_id is null
