-- Denial rates and top denial reasons: one row per provider, specialty and network status (the
-- provider's status on the service date, from the provider version of the claim), with the rates
-- of the provider's specialty, of the specialty within that network status, and of the network
-- status overall alongside. Denial rate = denied / adjudicated claims at their current state.
with claims as (
    select
        f.claim_id,
        f.provider_id,
        f.claim_status,
        f.denial_reason_code,
        f.billed_amount,
        p.specialty_code,
        p.network_status
    from {{ ref('fct_claims') }} as f
    inner join {{ ref('dim_providers') }} as p
        on f.provider_version_key = p.provider_version_key
    where f.is_adjudicated
),

current_providers as (
    select provider_id, provider_name from {{ ref('dim_providers') }} where is_current
),

specialties as (
    select specialty_code, specialty_name from {{ ref('stg_reference__specialties') }}
),

provider_counts as (
    select
        specialty_code,
        network_status,
        provider_id,
        count(*) as adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as denied_claims,
        sum(case when claim_status = 'denied' then billed_amount else 0 end) as denied_billed_amount
    from claims
    group by specialty_code, network_status, provider_id
),

provider_reasons as (
    select
        specialty_code,
        network_status,
        provider_id,
        denial_reason_code,
        count(*) as denials,
        row_number() over (
            partition by specialty_code, network_status, provider_id
            order by count(*) desc, denial_reason_code
        ) as reason_rank
    from claims
    where claim_status = 'denied'
    group by specialty_code, network_status, provider_id, denial_reason_code
),

specialty_network_counts as (
    select
        specialty_code,
        network_status,
        count(*) as adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as denied_claims
    from claims
    group by specialty_code, network_status
),

specialty_counts as (
    select
        specialty_code,
        count(*) as adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as denied_claims
    from claims
    group by specialty_code
),

specialty_reasons as (
    select
        specialty_code,
        denial_reason_code,
        count(*) as denials,
        row_number() over (partition by specialty_code order by count(*) desc, denial_reason_code) as reason_rank
    from claims
    where claim_status = 'denied'
    group by specialty_code, denial_reason_code
),

network_counts as (
    select
        network_status,
        count(*) as adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as denied_claims
    from claims
    group by network_status
)

select
    {{ surrogate_key(['pc.specialty_code', 'pc.network_status', 'pc.provider_id']) }} as denial_summary_key,
    pc.specialty_code,
    s.specialty_name,
    pc.network_status,
    pc.provider_id,
    cp.provider_name,
    pc.adjudicated_claims,
    cast(pc.denied_claims as bigint) as denied_claims,
    {{ safe_ratio('pc.denied_claims', 'pc.adjudicated_claims') }} as denial_rate,
    {{ money('pc.denied_billed_amount') }} as denied_billed_amount,
    r1.denial_reason_code as top_denial_reason_code,
    coalesce(r1.denials, 0) as top_denial_reason_count,
    r2.denial_reason_code as second_denial_reason_code,
    coalesce(r2.denials, 0) as second_denial_reason_count,
    {{ safe_ratio('sn.denied_claims', 'sn.adjudicated_claims') }} as specialty_network_denial_rate,
    {{ safe_ratio('sc.denied_claims', 'sc.adjudicated_claims') }} as specialty_denial_rate,
    sr.denial_reason_code as specialty_top_denial_reason_code,
    {{ safe_ratio('sr.denials', 'sc.denied_claims') }} as specialty_top_denial_reason_share,
    {{ safe_ratio('nc.denied_claims', 'nc.adjudicated_claims') }} as network_status_denial_rate
from provider_counts as pc
left join current_providers as cp
    on pc.provider_id = cp.provider_id
left join specialties as s
    on pc.specialty_code = s.specialty_code
left join provider_reasons as r1
    on r1.provider_id = pc.provider_id
    and r1.specialty_code = pc.specialty_code
    and r1.network_status = pc.network_status
    and r1.reason_rank = 1
left join provider_reasons as r2
    on r2.provider_id = pc.provider_id
    and r2.specialty_code = pc.specialty_code
    and r2.network_status = pc.network_status
    and r2.reason_rank = 2
left join specialty_network_counts as sn
    on sn.specialty_code = pc.specialty_code
    and sn.network_status = pc.network_status
left join specialty_counts as sc
    on sc.specialty_code = pc.specialty_code
left join specialty_reasons as sr
    on sr.specialty_code = pc.specialty_code
    and sr.reason_rank = 1
left join network_counts as nc
    on nc.network_status = pc.network_status
