-- One row per ICD-10-CM code of the reference code set.
with source as (
    select * from {{ source('reference', 'diagnoses') }}
),

renamed as (
    select
        cast(code as {{ dbt.type_string() }}) as diagnosis_code,
        cast(code_display as {{ dbt.type_string() }}) as diagnosis_code_display,
        cast(description as {{ dbt.type_string() }}) as diagnosis_description,
        cast(category as {{ dbt.type_string() }}) as diagnosis_category,
        cast(is_chronic as boolean) as is_chronic,
        cast(seasonality as {{ dbt.type_string() }}) as seasonality,
        cast(prevalence_weight as double) as prevalence_weight,
        cast(min_age as integer) as min_age,
        cast(max_age as integer) as max_age,
        cast(sex as {{ dbt.type_string() }}) as applies_to_sex
    from source
)

select * from renamed
