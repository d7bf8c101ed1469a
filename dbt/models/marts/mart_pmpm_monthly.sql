-- Per-member-per-month cost: one row per month, plan and line of business. Member months come
-- from eligibility (int_members__eligibility_months); claims (current state, incurred basis: by
-- month of the first date of service) are attributed to the member's eligibility row for that
-- month, so costs and member months always share the same plan.
with eligibility as (
    select * from {{ ref('int_members__eligibility_months') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

bounds as (
    select * from {{ ref('int_calendar__bounds') }}
),

plans as (
    select * from {{ ref('stg_reference__plans') }}
),

claims_by_member_month as (
    select
        member_id,
        {{ claims_date_trunc('month', 'service_from_date') }} as month_start_date,
        count(*) as claim_count,
        sum(case when is_adjudicated then 1 else 0 end) as adjudicated_claim_count,
        sum(billed_amount) as billed_total,
        sum(coalesce(allowed_amount, 0)) as allowed_total,
        sum(coalesce(paid_amount, 0)) as paid_total
    from claims
    group by member_id, {{ claims_date_trunc('month', 'service_from_date') }}
),

member_months as (
    select
        e.month_start_date,
        e.month_key,
        e.plan_id,
        e.line_of_business,
        e.member_id,
        coalesce(c.claim_count, 0) as claim_count,
        coalesce(c.adjudicated_claim_count, 0) as adjudicated_claim_count,
        coalesce(c.billed_total, 0) as billed_total,
        coalesce(c.allowed_total, 0) as allowed_total,
        coalesce(c.paid_total, 0) as paid_total
    from eligibility as e
    left join claims_by_member_month as c
        on c.member_id = e.member_id
        and c.month_start_date = e.month_start_date
),

aggregated as (
    select
        month_start_date,
        month_key,
        plan_id,
        line_of_business,
        count(*) as member_months,
        sum(case when claim_count > 0 then 1 else 0 end) as utilizing_member_months,
        sum(claim_count) as claim_count,
        sum(adjudicated_claim_count) as adjudicated_claim_count,
        sum(billed_total) as billed_total,
        sum(allowed_total) as allowed_total,
        sum(paid_total) as paid_total
    from member_months
    group by month_start_date, month_key, plan_id, line_of_business
)

select
    {{ surrogate_key(['a.month_start_date', 'a.plan_id', 'a.line_of_business']) }} as pmpm_key,
    a.month_start_date,
    a.month_key,
    a.plan_id,
    p.plan_name,
    p.plan_type,
    a.line_of_business,
    a.member_months,
    -- counts are sums of 0/1: cast, so the type is BIGINT on DuckDB (not HUGEINT) and NUMBER on Snowflake
    cast(a.utilizing_member_months as bigint) as utilizing_member_months,
    cast(a.claim_count as bigint) as claim_count,
    cast(a.adjudicated_claim_count as bigint) as adjudicated_claim_count,
    {{ money('a.billed_total') }} as billed_total,
    {{ money('a.allowed_total') }} as allowed_total,
    {{ money('a.paid_total') }} as paid_total,
    {{ money('a.paid_total / a.member_months') }} as pmpm_paid,
    {{ money('a.allowed_total / a.member_months') }} as pmpm_allowed,
    cast(round(a.claim_count * 12000.0 / a.member_months, 1) as decimal(12, 1)) as claims_per_1000_member_years,
    cast({{ dbt.datediff('a.month_start_date', 'b.data_as_of_month_start_date', 'month') }} as integer) as claims_runout_months
from aggregated as a
cross join bounds as b
left join plans as p
    on a.plan_id = p.plan_id
