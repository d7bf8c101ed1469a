-- Claim turnaround: one row per claim type and payment month. Turnaround is the days from
-- receipt to the claim's first payment (days_to_first_payment), so later adjustments and
-- reversals do not stretch it; claims never seen in paid status are left out.
with paid_claims as (
    select
        claim_type,
        {{ claims_date_trunc('month', 'first_paid_date') }} as payment_month_start_date,
        days_to_first_payment
    from {{ ref('fct_claims') }}
    where first_paid_date is not null
),

aggregated as (
    select
        claim_type,
        payment_month_start_date,
        count(*) as paid_claims,
        avg(cast(days_to_first_payment as double)) as avg_days,
        {{ percentile('days_to_first_payment', 0.5) }} as p50_days,
        {{ percentile('days_to_first_payment', 0.9) }} as p90_days,
        {{ percentile('days_to_first_payment', 0.95) }} as p95_days,
        max(days_to_first_payment) as max_days,
        sum(case when days_to_first_payment <= 30 then 1 else 0 end) as paid_within_30_days
    from paid_claims
    group by claim_type, payment_month_start_date
)

select
    {{ surrogate_key(['claim_type', 'payment_month_start_date']) }} as turnaround_key,
    claim_type,
    payment_month_start_date,
    {{ date_key('payment_month_start_date') }} as payment_month_key,
    paid_claims,
    cast(round(avg_days, 1) as decimal(9, 1)) as avg_days_to_payment,
    cast(round(p50_days, 1) as decimal(9, 1)) as p50_days_to_payment,
    cast(round(p90_days, 1) as decimal(9, 1)) as p90_days_to_payment,
    cast(round(p95_days, 1) as decimal(9, 1)) as p95_days_to_payment,
    max_days as max_days_to_payment,
    {{ safe_ratio('paid_within_30_days', 'paid_claims') }} as share_paid_within_30_days
from aggregated
