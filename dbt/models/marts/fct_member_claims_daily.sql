{{
    config(
        materialized='incremental',
        incremental_strategy=upsert_strategy(),
        unique_key='member_day_key',
        on_schema_change='fail',
        tmp_relation_type=('transient' if target.type == 'snowflake' else none),
        post_hook="delete from {{ this }} where claim_count = 0"
    )
}}
-- The reference implementation's daily member fact: one row per member and first date of
-- service, over the claims at their current state.
-- Incremental by changed keys: a run recomputes the (member, service date) keys that any version
-- of a claim changed since the last run had (a corrected claim can move to another day or member,
-- so its old key is recomputed too), and upserts them; a key left with no claims comes back with a
-- count of 0 and the post-hook deletes it. A forced run rebuilds it whole (--full-refresh).
-- depends_on: {{ ref('stg_payer__claims') }} (read only in an increment, for the keys of every version)
with claims as (
    select * from {{ ref('fct_claims') }}
),

{% if is_incremental() %}
changed_keys as (
    select distinct member_id, service_from_date
    from {{ ref('stg_payer__claims') }}
    where claim_id in (
        select claim_id from {{ ref('stg_payer__claims') }}
        where _batch_id > (select coalesce(max(last_batch_id), 0) from {{ this }})
    )
),
{% endif %}

daily as (
    select
        member_id,
        service_from_date,
        service_from_date_key,
        count(*) as claim_count,
        sum(case when is_adjudicated then 1 else 0 end) as adjudicated_claim_count,
        {{ money('sum(billed_amount)') }} as billed_total,
        {{ money('coalesce(sum(allowed_amount), 0)') }} as allowed_total,
        {{ money('coalesce(sum(paid_amount), 0)') }} as paid_total,
        cast(round(avg(reimbursement_ratio_billed), 4) as decimal(9, 4)) as avg_reimbursement_ratio,
        max(_batch_id) as last_batch_id
    from claims
    {% if is_incremental() %}
    where exists (
        select 1 from changed_keys as k
        where k.member_id = claims.member_id and k.service_from_date = claims.service_from_date
    )
    {% endif %}
    group by member_id, service_from_date, service_from_date_key
)

{% if is_incremental() %}
, recomputed as (
    -- every changed key, with its claims now or, left with none, a count of 0 for the post-hook
    select
        k.member_id,
        k.service_from_date,
        d.service_from_date_key,
        coalesce(d.claim_count, 0) as claim_count,
        d.adjudicated_claim_count,
        d.billed_total,
        d.allowed_total,
        d.paid_total,
        d.avg_reimbursement_ratio,
        d.last_batch_id
    from changed_keys as k
    left join daily as d
        on k.member_id = d.member_id and k.service_from_date = d.service_from_date
)
{% endif %}

select
    {{ surrogate_key(['member_id', 'service_from_date']) }} as member_day_key,
    member_id,
    service_from_date,
    service_from_date_key,
    claim_count,
    adjudicated_claim_count,
    billed_total,
    allowed_total,
    paid_total,
    avg_reimbursement_ratio,
    last_batch_id
from {% if is_incremental() %}recomputed{% else %}daily{% endif %}
