-- One row per provider specialty of the reference code set.
with source as (
    select * from {{ source('reference', 'specialties') }}
),

renamed as (
    select
        cast(specialty_code as {{ dbt.type_string() }}) as specialty_code,
        cast(specialty_name as {{ dbt.type_string() }}) as specialty_name,
        cast(taxonomy_code as {{ dbt.type_string() }}) as taxonomy_code,
        cast(provider_type as {{ dbt.type_string() }}) as provider_type,
        cast(claim_type as {{ dbt.type_string() }}) as claim_type,
        cast(default_place_of_service as {{ dbt.type_string() }}) as default_place_of_service_code,
        cast(cost_multiplier as double) as cost_multiplier,
        cast(base_denial_rate as double) as base_denial_rate,
        cast(provider_share as double) as provider_share,
        cast(diagnosis_affinity as {{ dbt.type_string() }}) as diagnosis_affinity
    from source
)

select * from renamed
