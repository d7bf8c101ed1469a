{{ config(severity='warn') }}
-- Informative: claims incurred in a month the member was not covered (by the coverage periods
-- received) are left out of PMPM. The generator never produces them; a real feed sometimes does
-- (retro-terminations, late enrolment records), so this warns rather than fails.
select c.claim_id, c.member_id, c.service_from_date, c.paid_amount
from {{ ref('fct_claims') }} as c
left join {{ ref('int_members__eligibility_months') }} as e
    on c.member_id = e.member_id
    and c.service_from_date >= e.month_start_date
    and c.service_from_date <= e.month_end_date
where e.member_id is null
