-- The point-in-time keys of fct_claims point at a version of the claim's own member / provider
-- whose join window contains the first date of service.
with facts as (
    select claim_id, member_id, provider_id, member_version_key, provider_version_key, service_from_date
    from {{ ref('fct_claims') }}
)

select f.claim_id, 'member' as dimension, f.member_version_key as version_key, f.service_from_date
from facts as f
inner join {{ ref('dim_members') }} as m
    on f.member_version_key = m.member_version_key
where m.member_id <> f.member_id
   or cast(f.service_from_date as {{ dbt.type_timestamp() }}) < m.effective_from
   or cast(f.service_from_date as {{ dbt.type_timestamp() }}) >= m.effective_to

union all

select f.claim_id, 'provider', f.provider_version_key, f.service_from_date
from facts as f
inner join {{ ref('dim_providers') }} as p
    on f.provider_version_key = p.provider_version_key
where p.provider_id <> f.provider_id
   or cast(f.service_from_date as {{ dbt.type_timestamp() }}) < p.effective_from
   or cast(f.service_from_date as {{ dbt.type_timestamp() }}) >= p.effective_to
