-- mart_pmpm_monthly attributes every claim incurred in a covered member month: its paid and
-- allowed totals equal those of fct_claims restricted to claims inside an eligibility month
-- (to the cent: the Snowflake emulator sums NUMBER as DOUBLE).
with eligible_claims as (
    select
        count(*) as claims,
        coalesce(sum(c.paid_amount), 0) as paid,
        coalesce(sum(c.allowed_amount), 0) as allowed
    from {{ ref('fct_claims') }} as c
    inner join {{ ref('int_members__eligibility_months') }} as e
        on c.member_id = e.member_id
        and c.service_from_date >= e.month_start_date
        and c.service_from_date <= e.month_end_date
),

pmpm as (
    select
        sum(claim_count) as claims,
        sum(paid_total) as paid,
        sum(allowed_total) as allowed
    from {{ ref('mart_pmpm_monthly') }}
)

select e.claims, p.claims as pmpm_claims, e.paid, p.paid as pmpm_paid, e.allowed, p.allowed as pmpm_allowed
from eligible_claims as e
cross join pmpm as p
where e.claims <> p.claims or abs(e.paid - p.paid) >= 0.01 or abs(e.allowed - p.allowed) >= 0.01
