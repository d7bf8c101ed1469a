-- SCD Type 2 provider dimension: one row per provider version from providers_snapshot, with the
-- specialty's attributes conformed from the specialties code set.
with snapshot as (
    select * from {{ ref('providers_snapshot') }}
),

specialties as (
    select * from {{ ref('stg_reference__specialties') }}
),

versions as (
    select
        {{ surrogate_key(['provider_id', 'dbt_valid_from']) }} as provider_version_key,
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
        {{ scd2_version_columns('provider_id') }},
        _batch_id as source_batch_id
    from snapshot
)

select
    v.provider_version_key,
    v.provider_id,
    v.version_number,
    v.provider_name,
    v.provider_type,
    v.specialty_code,
    s.specialty_name,
    s.claim_type as specialty_claim_type,
    v.taxonomy_code,
    v.street,
    v.city,
    v.state,
    v.zip_code,
    v.network_status,
    v.updated_at,
    v.valid_from,
    v.valid_to,
    v.is_current,
    v.effective_from,
    v.effective_to,
    v.source_batch_id
from versions as v
left join specialties as s
    on v.specialty_code = s.specialty_code
