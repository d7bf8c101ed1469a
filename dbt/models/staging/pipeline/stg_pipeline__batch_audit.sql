-- One row per batch and dataset: row counts through the pipeline stages.
with source as (
    select * from {{ source('pipeline', 'batch_audit') }}
),

renamed as (
    select
        cast(batch_id as integer) as batch_id,
        cast(dataset as {{ dbt.type_string() }}) as dataset,
        cast(raw_rows as bigint) as raw_rows,
        cast(duplicates_removed as bigint) as duplicates_removed,
        cast(quarantined_rows as bigint) as quarantined_rows,
        cast(curated_rows as bigint) as curated_rows,
        cast(loaded_rows as bigint) as loaded_rows,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
    from source
)

select * from renamed
