{{
    config(
        materialized='incremental',
        incremental_strategy=upsert_strategy(),
        unique_key='claim_id',
        on_schema_change='fail',
        tmp_relation_type=('transient' if target.type == 'snowflake' else none)
    )
}}
-- One row per claim at its current state. Incremental: each run upserts (on claim_id) the claims
-- that received a new version since the last run (by _batch_id), so a claim that moves from
-- pending to paid is updated in place, never duplicated. Claims whose member or provider gained
-- a new SCD2 version since the last run are upserted too, so their point-in-time keys stay right.
--
-- The contract (fct_claims.yml) is checked on every run, incremental ones included. A change
-- to it (a column added, dropped or retyped) stops an incremental run (on_schema_change 'fail')
-- until a --full-refresh rebuilds the table, rather than leaving older rows without the new column
-- or the table with the old type. On Snowflake the increment is a transient table created with
-- the contract's column types, so that comparison sees the contract on both sides (a view would
-- carry its expressions' own NUMBER precisions); fakesnow cannot create the temporary view anyway.

with claims as (
    select * from {{ ref('int_claims__current_state') }}
    {% if is_incremental() %}
    where last_batch_id > (select coalesce(max(_batch_id), 0) from {{ this }})
        or member_id in (
            select member_id from {{ ref('dim_members') }}
            where source_batch_id > (select coalesce(max(_batch_id), 0) from {{ this }})
        )
        or provider_id in (
            select provider_id from {{ ref('dim_providers') }}
            where source_batch_id > (select coalesce(max(_batch_id), 0) from {{ this }})
        )
    {% endif %}
),

members as (
    select member_version_key, member_id, effective_from, effective_to
    from {{ ref('dim_members') }}
),

providers as (
    select provider_version_key, provider_id, effective_from, effective_to
    from {{ ref('dim_providers') }}
),

diagnoses as (
    select diagnosis_key, diagnosis_code from {{ ref('dim_diagnosis') }}
),

joined as (
    select
        c.*,
        m.member_version_key,
        p.provider_version_key,
        dx.diagnosis_key as primary_diagnosis_key,
        {{ 'previous._dbt_inserted_at' if is_incremental() else 'cast(null as ' ~ dbt.type_timestamp() ~ ')' }} as previous_inserted_at
    from claims as c
    -- point in time: the member and provider versions valid on the first date of service
    left join members as m
        on m.member_id = c.member_id
        and m.effective_from <= cast(c.service_from_date as {{ dbt.type_timestamp() }})
        and m.effective_to > cast(c.service_from_date as {{ dbt.type_timestamp() }})
    left join providers as p
        on p.provider_id = c.provider_id
        and p.effective_from <= cast(c.service_from_date as {{ dbt.type_timestamp() }})
        and p.effective_to > cast(c.service_from_date as {{ dbt.type_timestamp() }})
    left join diagnoses as dx
        on dx.diagnosis_code = c.primary_diagnosis_code
    {% if is_incremental() %}
    -- a claim replaced in place keeps the time it was first inserted
    left join (select claim_id, _dbt_inserted_at from {{ this }}) as previous
        on previous.claim_id = c.claim_id
    {% endif %}
)

select
    -- keys
    claim_id,
    member_id,
    provider_id,
    member_version_key,
    provider_version_key,
    primary_diagnosis_key,
    {{ date_key('service_from_date') }} as service_from_date_key,
    {{ date_key('service_to_date') }} as service_to_date_key,
    {{ date_key('received_date') }} as received_date_key,
    {{ date_key('adjudicated_date') }} as adjudicated_date_key,
    {{ date_key('paid_date') }} as paid_date_key,

    -- claim attributes
    current_claim_version,
    claim_type,
    claim_status,
    is_adjudicated,
    denial_reason_code,
    place_of_service_code,
    primary_diagnosis_code,
    secondary_diagnosis_code_1,
    secondary_diagnosis_code_2,
    secondary_diagnosis_code_3,
    member_age_at_service,
    age_band,

    -- dates
    service_from_date,
    service_to_date,
    received_date,
    adjudicated_date,
    paid_date,

    -- lifecycle
    version_count,
    first_received_date,
    pending_first_seen_date,
    finalised_date,
    first_paid_date,
    was_pending,
    is_adjusted,
    is_reversed,

    -- amounts (USD)
    {{ money('billed_amount') }} as billed_amount,
    {{ money('allowed_amount') }} as allowed_amount,
    {{ money('paid_amount') }} as paid_amount,
    {{ money('deductible_amount') }} as deductible_amount,
    {{ money('copay_amount') }} as copay_amount,
    {{ money('coinsurance_amount') }} as coinsurance_amount,
    {{ money('deductible_amount + copay_amount + coinsurance_amount') }} as member_responsibility_amount,

    -- ratios
    -- the cleanse stage derived these (claims contract); typed here as the mart's contract says
    cast(reimbursement_ratio_allowed as decimal(18, 4)) as reimbursement_ratio_allowed,
    cast(reimbursement_ratio_billed as decimal(18, 4)) as reimbursement_ratio_billed,
    {{ safe_ratio('allowed_amount', 'billed_amount') }} as allowed_to_billed_ratio,

    -- turnaround (days)
    {{ dbt.datediff('service_to_date', 'received_date', 'day') }} as submission_lag_days,
    cast(adjudication_days as bigint) as adjudication_days,
    cast(turnaround_days as bigint) as turnaround_days,
    {{ dbt.datediff('received_date', 'first_paid_date', 'day') }} as days_to_first_payment,

    -- value (cleanse-derived)
    value_bucket,
    high_value_flag,

    -- lineage
    first_batch_id as _first_batch_id,
    last_batch_id as _batch_id,
    last_ingested_at as _ingested_at,
    current_version_loaded_at as _loaded_at,
    coalesce(previous_inserted_at, cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})) as _dbt_inserted_at,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as _dbt_updated_at
from joined
