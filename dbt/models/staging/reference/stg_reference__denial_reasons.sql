-- One row per denial reason of the reference code set.
with source as (
    select * from {{ source('reference', 'denial_reasons') }}
),

renamed as (
    select
        cast(code as {{ dbt.type_string() }}) as denial_reason_code,
        cast(description as {{ dbt.type_string() }}) as denial_reason_description,
        cast(weight as double) as weight,
        cast(applies_to as {{ dbt.type_string() }}) as applies_to
    from source
)

select * from renamed
