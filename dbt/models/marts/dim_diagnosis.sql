-- Diagnosis dimension: one row per ICD-10-CM code of the reference code set.
with diagnoses as (
    select * from {{ ref('stg_reference__diagnoses') }}
)

select
    {{ surrogate_key(['diagnosis_code']) }} as diagnosis_key,
    diagnosis_code,
    diagnosis_code_display,
    diagnosis_description,
    diagnosis_category,
    is_chronic,
    seasonality,
    min_age,
    max_age,
    applies_to_sex
from diagnoses
