-- After a run, the current version of every member and provider in the snapshots is the latest
-- state loaded into raw (same updated_at), and every key in raw is in its snapshot.
with latest_members as (
    select member_id as entity_id, max(updated_at) as updated_at
    from {{ source('payer', 'members') }}
    group by member_id
),

latest_providers as (
    select provider_id as entity_id, max(updated_at) as updated_at
    from {{ source('payer', 'providers') }}
    group by provider_id
),

current_members as (
    select member_id as entity_id, updated_at
    from {{ ref('members_snapshot') }}
    where dbt_valid_to is null
),

current_providers as (
    select provider_id as entity_id, updated_at
    from {{ ref('providers_snapshot') }}
    where dbt_valid_to is null
)

select 'member' as entity, l.entity_id, l.updated_at as raw_updated_at, c.updated_at as snapshot_updated_at
from latest_members as l
left join current_members as c
    on l.entity_id = c.entity_id
where c.updated_at is null or c.updated_at <> l.updated_at

union all

select 'provider', l.entity_id, l.updated_at, c.updated_at
from latest_providers as l
left join current_providers as c
    on l.entity_id = c.entity_id
where c.updated_at is null or c.updated_at <> l.updated_at
