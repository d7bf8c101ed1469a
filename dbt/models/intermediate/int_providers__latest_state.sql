-- One row per provider: the most recent state received (by updated_at). The raw table keeps every
-- batch's states; this is what the providers snapshot captures on each run.
with states as (
    select * from {{ ref('stg_payer__providers') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by provider_id
            order by updated_at desc, _batch_id desc, _source_line desc
        ) as recency
    from states
)

select
    provider_id,
    provider_name,
    provider_type,
    specialty_code,
    taxonomy_code,
    street,
    city,
    state,
    zip_code,
    network_status,
    updated_at,
    _batch_id,
    _loaded_at
from ranked
where recency = 1
