-- The reference implementation's singular test, kept where the values enter the project (every
-- claim version, as the cleanse stage derived them per the claims contract): a claim billed at
-- 50,000 USD or more carries the high-value flag and the HIGH value bucket, and no other claim does.
select
    claim_id,
    claim_version,
    billed_amount,
    high_value_flag,
    value_bucket
from {{ ref('stg_payer__claims') }}
where (billed_amount >= 50000 and (not high_value_flag or value_bucket <> 'HIGH'))
   or (billed_amount < 50000 and (high_value_flag or value_bucket = 'HIGH'))
