-- Reconciliation of fct_claims with the loaded raw table: one fact row per distinct claim id in
-- raw.claims, and per status the same count, billed, allowed and paid totals as the latest version
-- of each claim in raw. Returns one row per status that does not reconcile. Totals compare to the
-- cent rather than exactly: exact on DuckDB and Snowflake (DECIMAL sums), but the Snowflake
-- emulator (fakesnow) sums NUMBER columns as DOUBLE.
with latest_raw as (
    select
        claim_id,
        claim_status,
        billed_amount,
        allowed_amount,
        paid_amount,
        row_number() over (partition by claim_id order by claim_version desc, _batch_id desc) as recency
    from {{ source('payer', 'claims') }}
),

raw_totals as (
    select
        claim_status,
        count(*) as claims,
        sum(billed_amount) as billed,
        coalesce(sum(allowed_amount), 0) as allowed,
        coalesce(sum(paid_amount), 0) as paid
    from latest_raw
    where recency = 1
    group by claim_status
),

fact_totals as (
    select
        claim_status,
        count(*) as claims,
        sum(billed_amount) as billed,
        coalesce(sum(allowed_amount), 0) as allowed,
        coalesce(sum(paid_amount), 0) as paid
    from {{ ref('fct_claims') }}
    group by claim_status
),

compared as (
    select
        coalesce(r.claim_status, f.claim_status) as claim_status,
        r.claims as raw_claims,
        f.claims as fact_claims,
        r.billed as raw_billed,
        f.billed as fact_billed,
        r.allowed as raw_allowed,
        f.allowed as fact_allowed,
        r.paid as raw_paid,
        f.paid as fact_paid
    from raw_totals as r
    full outer join fact_totals as f
        on r.claim_status = f.claim_status
),

distinct_ids as (
    select
        (select count(distinct claim_id) from {{ source('payer', 'claims') }}) as raw_distinct_claim_ids,
        (select count(*) from {{ ref('fct_claims') }}) as fact_rows
)

select
    'status ' || claim_status as check_name,
    cast(raw_claims as {{ dbt.type_string() }}) as raw_value,
    cast(fact_claims as {{ dbt.type_string() }}) as fact_value
from compared
where raw_claims is null or fact_claims is null
   or raw_claims <> fact_claims
   or abs(raw_billed - fact_billed) >= 0.01
   or abs(raw_allowed - fact_allowed) >= 0.01
   or abs(raw_paid - fact_paid) >= 0.01

union all

select
    'distinct claim ids vs fact rows',
    cast(raw_distinct_claim_ids as {{ dbt.type_string() }}),
    cast(fact_rows as {{ dbt.type_string() }})
from distinct_ids
where raw_distinct_claim_ids <> fact_rows
