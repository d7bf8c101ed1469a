-- One row per CMS place-of-service code of the reference code set.
with source as (
    select * from {{ source('reference', 'places_of_service') }}
),

renamed as (
    select
        cast(code as {{ dbt.type_string() }}) as place_of_service_code,
        cast(name as {{ dbt.type_string() }}) as place_of_service_name,
        cast(claim_type as {{ dbt.type_string() }}) as claim_type,
        cast(cost_multiplier as double) as cost_multiplier
    from source
)

select * from renamed
