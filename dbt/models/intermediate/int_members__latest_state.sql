-- One row per member: the most recent state received (by updated_at). The raw table keeps every
-- batch's states; this is what the members snapshot captures on each run.
with states as (
    select * from {{ ref('stg_payer__members') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by member_id
            order by updated_at desc, _batch_id desc, _source_line desc
        ) as recency
    from states
)

select
    member_id,
    first_name,
    last_name,
    birth_date,
    gender,
    street,
    city,
    state,
    zip_code,
    county,
    plan_id,
    line_of_business,
    coverage_start_date,
    coverage_end_date,
    updated_at,
    _batch_id,
    _loaded_at
from ranked
where recency = 1
