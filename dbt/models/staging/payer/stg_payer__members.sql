-- One row per member state (member_id, updated_at), every batch's rows: renamed and typed only.
with source as (
    select * from {{ source('payer', 'members') }}
),

renamed as (
    select
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast(birth_date as date) as birth_date,
        cast(gender as {{ dbt.type_string() }}) as gender,
        cast(street as {{ dbt.type_string() }}) as street,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(state as {{ dbt.type_string() }}) as state,
        cast(zip as {{ dbt.type_string() }}) as zip_code,
        cast(county as {{ dbt.type_string() }}) as county,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(line_of_business as {{ dbt.type_string() }}) as line_of_business,
        cast(coverage_start as date) as coverage_start_date,
        cast(coverage_end as date) as coverage_end_date,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(_batch_id as integer) as _batch_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(_source_file as {{ dbt.type_string() }}) as _source_file,
        cast(_source_line as bigint) as _source_line
    from source
)

select * from renamed
