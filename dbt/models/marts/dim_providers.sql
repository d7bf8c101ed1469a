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
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current,
        row_number() over (partition by provider_id order by dbt_valid_from) as version_number,
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
    case when v.version_number = 1
        then cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        else v.valid_from
    end as effective_from,
    coalesce(v.valid_to, cast('9999-12-31 00:00:00' as {{ dbt.type_timestamp() }})) as effective_to,
    v.source_batch_id
from versions as v
left join specialties as s
    on v.specialty_code = s.specialty_code
