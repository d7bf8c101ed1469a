-- One row per health plan of the reference code set.
with source as (
    select * from {{ source('reference', 'plans') }}
),

renamed as (
    select
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(plan_name as {{ dbt.type_string() }}) as plan_name,
        cast(line_of_business as {{ dbt.type_string() }}) as line_of_business,
        cast(plan_type as {{ dbt.type_string() }}) as plan_type,
        cast(metal_tier as {{ dbt.type_string() }}) as metal_tier,
        cast(annual_deductible as integer) as annual_deductible,
        cast(copay_professional as integer) as copay_professional,
        cast(copay_specialist as integer) as copay_specialist,
        cast(copay_institutional as integer) as copay_institutional,
        cast(copay_pharmacy as integer) as copay_pharmacy,
        cast(coinsurance_rate as double) as coinsurance_rate,
        cast(enrollment_weight as double) as enrollment_weight,
        cast(min_age as integer) as min_age,
        cast(max_age as integer) as max_age,
        cast(allowed_ratio_in_network as double) as allowed_ratio_in_network,
        cast(allowed_ratio_out_of_network as double) as allowed_ratio_out_of_network
    from source
)

select * from renamed
