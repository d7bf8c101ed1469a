-- Provider risk: one row per provider (current attributes) with the reference implementation's
-- rule (average turnaround over 15 days => HIGH_RISK) and statistically sounder flags against the
-- provider's specialty: billing far above the specialty's median, and a denial rate well above
-- the specialty's. Flags need provider_risk_min_claims claims; thresholds are project vars.
with claims as (
    select * from {{ ref('fct_claims') }}
),

providers as (
    select * from {{ ref('dim_providers') }} where is_current
),

specialties as (
    select specialty_code, specialty_name from {{ ref('stg_reference__specialties') }}
),

claims_with_specialty as (
    select c.*, p.specialty_code
    from claims as c
    inner join providers as p
        on c.provider_id = p.provider_id
),

provider_stats as (
    select
        provider_id,
        count(*) as total_claims,
        sum(case when is_adjudicated then 1 else 0 end) as adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as denied_claims,
        sum(case when claim_status = 'paid' then 1 else 0 end) as paid_claims,
        avg(case when claim_status = 'paid' then cast(turnaround_days as double) end) as avg_turnaround_days,
        avg(cast(billed_amount as double)) as avg_billed_amount,
        {{ percentile('billed_amount', 0.5) }} as median_billed_amount,
        sum(billed_amount) as billed_total,
        sum(coalesce(paid_amount, 0)) as paid_total
    from claims_with_specialty
    group by provider_id
),

specialty_stats as (
    select
        specialty_code,
        count(*) as specialty_claims,
        avg(cast(billed_amount as double)) as specialty_avg_billed_amount,
        stddev_samp(cast(billed_amount as double)) as specialty_stddev_billed_amount,
        {{ percentile('billed_amount', 0.5) }} as specialty_median_billed_amount,
        sum(case when is_adjudicated then 1 else 0 end) as specialty_adjudicated_claims,
        sum(case when claim_status = 'denied' then 1 else 0 end) as specialty_denied_claims
    from claims_with_specialty
    group by specialty_code
),

scored as (
    select
        p.provider_id,
        p.provider_name,
        p.provider_type,
        p.specialty_code,
        sp.specialty_name,
        p.network_status,
        p.state,
        coalesce(ps.total_claims, 0) as total_claims,
        coalesce(ps.adjudicated_claims, 0) as adjudicated_claims,
        coalesce(ps.paid_claims, 0) as paid_claims,
        coalesce(ps.denied_claims, 0) as denied_claims,
        ps.avg_turnaround_days,
        ps.avg_billed_amount,
        ps.median_billed_amount,
        ps.billed_total,
        ps.paid_total,
        ss.specialty_median_billed_amount,
        case when ps.median_billed_amount is not null and ss.specialty_median_billed_amount > 0
            then ps.median_billed_amount / ss.specialty_median_billed_amount
        end as billed_to_specialty_median_ratio,
        case when ss.specialty_stddev_billed_amount > 0 and ps.total_claims > 0
            then (ps.avg_billed_amount - ss.specialty_avg_billed_amount)
                / (ss.specialty_stddev_billed_amount / sqrt(ps.total_claims))
        end as billed_z_score,
        case when ps.adjudicated_claims > 0
            then cast(ps.denied_claims as double) / ps.adjudicated_claims
        end as denial_rate,
        case when ss.specialty_adjudicated_claims > 0
            then cast(ss.specialty_denied_claims as double) / ss.specialty_adjudicated_claims
        end as specialty_denial_rate
    from providers as p
    left join provider_stats as ps
        on p.provider_id = ps.provider_id
    left join specialty_stats as ss
        on p.specialty_code = ss.specialty_code
    left join specialties as sp
        on p.specialty_code = sp.specialty_code
),

flagged as (
    select
        *,
        case when specialty_denial_rate > 0 and specialty_denial_rate < 1 and adjudicated_claims > 0
            then (denial_rate - specialty_denial_rate)
                / sqrt(specialty_denial_rate * (1 - specialty_denial_rate) / adjudicated_claims)
        end as denial_z_score,
        coalesce(avg_turnaround_days > {{ var('provider_risk_turnaround_days') }}, false) as exceeds_turnaround_rule
    from scored
),

final as (
    select
        *,
        coalesce(paid_claims >= {{ var('provider_risk_min_claims') }}
            and avg_turnaround_days > {{ var('provider_risk_turnaround_days') }}, false) as is_slow_turnaround,
        coalesce(total_claims >= {{ var('provider_risk_min_claims') }}
            and billed_to_specialty_median_ratio >= {{ var('provider_risk_billed_ratio') }}, false) as is_billing_outlier,
        coalesce(adjudicated_claims >= {{ var('provider_risk_min_claims') }}
            and denial_rate >= {{ var('provider_risk_denial_ratio') }} * specialty_denial_rate
            and denial_z_score >= {{ var('provider_risk_denial_z') }}, false) as is_denial_outlier
    from flagged
)

select
    provider_id,
    provider_name,
    provider_type,
    specialty_code,
    specialty_name,
    network_status,
    state,
    total_claims,
    -- sums of 0/1: BIGINT on DuckDB (not HUGEINT), NUMBER on Snowflake
    cast(adjudicated_claims as bigint) as adjudicated_claims,
    cast(paid_claims as bigint) as paid_claims,
    cast(denied_claims as bigint) as denied_claims,
    cast(round(avg_turnaround_days, 1) as decimal(9, 1)) as avg_turnaround_days,
    {{ money('avg_billed_amount') }} as avg_billed_amount,
    {{ money('median_billed_amount') }} as median_billed_amount,
    {{ money('specialty_median_billed_amount') }} as specialty_median_billed_amount,
    cast(round(billed_to_specialty_median_ratio, 2) as decimal(9, 2)) as billed_to_specialty_median_ratio,
    cast(round(billed_z_score, 2) as decimal(9, 2)) as billed_z_score,
    cast(round(denial_rate, 4) as decimal(9, 4)) as denial_rate,
    cast(round(specialty_denial_rate, 4) as decimal(9, 4)) as specialty_denial_rate,
    cast(round(denial_z_score, 2) as decimal(9, 2)) as denial_z_score,
    {{ money('billed_total') }} as billed_total,
    {{ money('paid_total') }} as paid_total,
    case when exceeds_turnaround_rule then 'HIGH_RISK' else 'NORMAL' end as reference_risk_level,
    is_slow_turnaround,
    is_billing_outlier,
    is_denial_outlier,
    cast(is_slow_turnaround as integer) + cast(is_billing_outlier as integer) + cast(is_denial_outlier as integer) as risk_flag_count,
    case
        when cast(is_slow_turnaround as integer) + cast(is_billing_outlier as integer) + cast(is_denial_outlier as integer) >= 2 then 'HIGH'
        when is_slow_turnaround or is_billing_outlier or is_denial_outlier then 'MEDIUM'
        else 'LOW'
    end as risk_tier
from final
