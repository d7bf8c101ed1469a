-- One row per provider state (provider_id, updated_at), every batch's rows: renamed and typed only.
with source as (
    select * from {{ source('payer', 'providers') }}
),

renamed as (
    select
        cast(provider_id as {{ dbt.type_string() }}) as provider_id,
        cast(provider_name as {{ dbt.type_string() }}) as provider_name,
        cast(provider_type as {{ dbt.type_string() }}) as provider_type,
        cast(specialty_code as {{ dbt.type_string() }}) as specialty_code,
        cast(taxonomy_code as {{ dbt.type_string() }}) as taxonomy_code,
        cast(street as {{ dbt.type_string() }}) as street,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(state as {{ dbt.type_string() }}) as state,
        cast(zip as {{ dbt.type_string() }}) as zip_code,
        cast(network_status as {{ dbt.type_string() }}) as network_status,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(_batch_id as integer) as _batch_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(_source_file as {{ dbt.type_string() }}) as _source_file,
        cast(_source_line as bigint) as _source_line
    from source
)

select * from renamed
