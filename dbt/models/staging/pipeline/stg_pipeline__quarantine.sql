-- One row per source row rejected by the cleanse stage.
with source as (
    select * from {{ source('pipeline', 'quarantine') }}
),

renamed as (
    select
        cast(batch_id as integer) as batch_id,
        cast(dataset as {{ dbt.type_string() }}) as dataset,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(line_number as bigint) as line_number,
        cast(reason as {{ dbt.type_string() }}) as reason_code,
        cast(reason_detail as {{ dbt.type_string() }}) as reason_detail,
        cast(original_values as {{ dbt.type_string() }}) as original_values_json,
        cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at
    from source
)

select * from renamed
