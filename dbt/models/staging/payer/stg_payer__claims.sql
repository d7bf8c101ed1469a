-- One row per claim version (claim_id, claim_version), every batch's rows: renamed and typed only.
-- The contract's derived columns are passed through as the cleanse stage computed them.
with source as (
    select * from {{ source('payer', 'claims') }}
),

renamed as (
    select
        -- keys
        cast(claim_id as {{ dbt.type_string() }}) as claim_id,
        cast(claim_version as integer) as claim_version,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        cast(provider_id as {{ dbt.type_string() }}) as provider_id,

        -- claim attributes
        cast(claim_type as {{ dbt.type_string() }}) as claim_type,
        cast(claim_status as {{ dbt.type_string() }}) as claim_status,
        cast(denial_reason as {{ dbt.type_string() }}) as denial_reason_code,
        cast(place_of_service as {{ dbt.type_string() }}) as place_of_service_code,
        cast(primary_diagnosis_code as {{ dbt.type_string() }}) as primary_diagnosis_code,
        cast(secondary_diagnosis_code_1 as {{ dbt.type_string() }}) as secondary_diagnosis_code_1,
        cast(secondary_diagnosis_code_2 as {{ dbt.type_string() }}) as secondary_diagnosis_code_2,
        cast(secondary_diagnosis_code_3 as {{ dbt.type_string() }}) as secondary_diagnosis_code_3,

        -- dates
        cast(service_from as date) as service_from_date,
        cast(service_to as date) as service_to_date,
        cast(received_date as date) as received_date,
        cast(adjudicated_date as date) as adjudicated_date,
        cast(paid_date as date) as paid_date,

        -- amounts (USD)
        cast(billed_amount as decimal(12, 2)) as billed_amount,
        cast(allowed_amount as decimal(12, 2)) as allowed_amount,
        cast(paid_amount as decimal(12, 2)) as paid_amount,
        cast(deductible_amount as decimal(12, 2)) as deductible_amount,
        cast(copay_amount as decimal(12, 2)) as copay_amount,
        cast(coinsurance_amount as decimal(12, 2)) as coinsurance_amount,

        -- derived by the cleanse stage (claims contract `derived`)
        cast(reimbursement_ratio_allowed as decimal(9, 4)) as reimbursement_ratio_allowed,
        cast(reimbursement_ratio_billed as decimal(9, 4)) as reimbursement_ratio_billed,
        cast(adjudication_days as integer) as adjudication_days,
        cast(turnaround_days as integer) as turnaround_days,
        cast(high_value_flag as boolean) as high_value_flag,
        cast(value_bucket as {{ dbt.type_string() }}) as value_bucket,
        cast(member_birth_date as date) as member_birth_date,
        cast(member_age_at_service as integer) as member_age_at_service,
        cast(age_band as {{ dbt.type_string() }}) as age_band,
        cast(service_year as integer) as service_year,
        cast(service_month as integer) as service_month,

        -- lineage
        cast(ingestion_ts as {{ dbt.type_timestamp() }}) as ingestion_ts,
        cast(_batch_id as integer) as _batch_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(_source_file as {{ dbt.type_string() }}) as _source_file,
        cast(_source_line as bigint) as _source_line
    from source
)

select * from renamed
