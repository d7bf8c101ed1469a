select * from {{ ref('stg_raw__claims') }}
qualify row_number() over (partition by claim_id order by claim_version desc) = 1
