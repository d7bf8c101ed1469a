-- The reference implementation's singular test, kept: every claim billed at 50,000 USD or more
-- carries the high-value flag (and the HIGH value bucket), and no other claim does.
select
    claim_id,
    billed_amount,
    high_value_flag,
    value_bucket
from {{ ref('fct_claims') }}
where (billed_amount >= {{ var('high_value_threshold') }} and (not high_value_flag or value_bucket <> 'HIGH'))
   or (billed_amount < {{ var('high_value_threshold') }} and (high_value_flag or value_bucket = 'HIGH'))
