-- High-cost claimants: one row per member whose paid amount over the rolling 12 months ending
-- on the date the data is as of (incurred basis: by first date of service) is at least the
-- var high_cost_claimant_threshold, or who ranks in the top high_cost_claimant_top_n by paid.
with bounds as (
    select
        {{ claims_dateadd('month', -11, 'data_as_of_month_start_date') }} as window_start_date,
        data_as_of_date as window_end_date
    from {{ ref('int_calendar__bounds') }}
),

claims as (
    select c.*
    from {{ ref('fct_claims') }} as c
    cross join bounds as b
    where c.service_from_date >= b.window_start_date
        and c.service_from_date <= b.window_end_date
),

diagnoses as (
    select diagnosis_key, diagnosis_category from {{ ref('dim_diagnosis') }}
),

members as (
    select * from {{ ref('dim_members') }} where is_current
),

member_totals as (
    select
        member_id,
        count(*) as claim_count_12m,
        sum(case when high_value_flag then 1 else 0 end) as high_value_claim_count_12m,
        sum(billed_amount) as billed_12m,
        sum(coalesce(allowed_amount, 0)) as allowed_12m,
        sum(coalesce(paid_amount, 0)) as paid_12m
    from claims
    group by member_id
),

member_categories as (
    select
        c.member_id,
        d.diagnosis_category,
        row_number() over (
            partition by c.member_id
            order by sum(coalesce(c.paid_amount, 0)) desc, d.diagnosis_category
        ) as category_rank
    from claims as c
    inner join diagnoses as d
        on c.primary_diagnosis_key = d.diagnosis_key
    group by c.member_id, d.diagnosis_category
),

ranked as (
    select
        *,
        row_number() over (order by paid_12m desc, member_id) as paid_rank
    from member_totals
)

select
    r.member_id,
    r.paid_rank,
    r.paid_12m >= {{ var('high_cost_claimant_threshold') }} as is_above_threshold,
    r.paid_rank <= {{ var('high_cost_claimant_top_n') }} as is_top_n,
    m.plan_id,
    m.line_of_business,
    m.gender,
    m.birth_date,
    r.claim_count_12m,
    cast(r.high_value_claim_count_12m as bigint) as high_value_claim_count_12m,
    {{ money('r.billed_12m') }} as billed_12m,
    {{ money('r.allowed_12m') }} as allowed_12m,
    {{ money('r.paid_12m') }} as paid_12m,
    mc.diagnosis_category as top_diagnosis_category,
    b.window_start_date,
    b.window_end_date
from ranked as r
cross join bounds as b
left join members as m
    on r.member_id = m.member_id
left join member_categories as mc
    on mc.member_id = r.member_id
    and mc.category_rank = 1
where r.paid_12m >= {{ var('high_cost_claimant_threshold') }}
    or r.paid_rank <= {{ var('high_cost_claimant_top_n') }}
