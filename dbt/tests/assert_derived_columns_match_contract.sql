-- The cleanse stage derives columns from the claims contract (TypeScript/DuckDB locally, PySpark
-- on Glue); dbt recomputes the same business rules with its macros. Both must agree on every
-- claim version: value bucket, high-value flag, reimbursement ratios, adjudication and turnaround
-- days. A disagreement means a contract change reached one side only.
with versions as (
    select * from {{ ref('stg_payer__claims') }}
),

recomputed as (
    select
        claim_id,
        claim_version,
        value_bucket,
        {{ claim_value_bucket('billed_amount') }} as dbt_value_bucket,
        high_value_flag,
        {{ is_high_value('billed_amount') }} as dbt_high_value_flag,
        reimbursement_ratio_allowed,
        {{ safe_ratio('paid_amount', 'allowed_amount') }} as dbt_reimbursement_ratio_allowed,
        reimbursement_ratio_billed,
        {{ safe_ratio('paid_amount', 'billed_amount') }} as dbt_reimbursement_ratio_billed,
        adjudication_days,
        {{ claims_datediff('day', 'received_date', 'adjudicated_date') }} as dbt_adjudication_days,
        turnaround_days,
        {{ claims_datediff('day', 'received_date', 'paid_date') }} as dbt_turnaround_days
    from versions
)

select *
from recomputed
where coalesce(value_bucket, '-') <> coalesce(dbt_value_bucket, '-')
   or coalesce(high_value_flag, false) <> coalesce(dbt_high_value_flag, false)
   or coalesce(abs(reimbursement_ratio_allowed - dbt_reimbursement_ratio_allowed), 0) > 0.0001
   or (reimbursement_ratio_allowed is null) <> (dbt_reimbursement_ratio_allowed is null)
   or coalesce(abs(reimbursement_ratio_billed - dbt_reimbursement_ratio_billed), 0) > 0.0001
   or (reimbursement_ratio_billed is null) <> (dbt_reimbursement_ratio_billed is null)
   or coalesce(adjudication_days, -1) <> coalesce(dbt_adjudication_days, -1)
   or coalesce(turnaround_days, -1) <> coalesce(dbt_turnaround_days, -1)
