-- One row per calendar day from the first of January of the earliest service year to the
-- 31st of December of the latest year any claim date falls in.
with bounds as (
    select * from {{ ref('int_calendar__bounds') }}
),

offsets as (
    {{ integer_sequence(20000) }}
),

days as (
    select
        {{ claims_dateadd('day', 'offsets.n', 'bounds.calendar_start_date') }} as date_day
    from offsets
    cross join bounds
    where offsets.n <= {{ dbt.datediff('bounds.calendar_start_date', 'bounds.calendar_end_date', 'day') }}
)

select
    {{ date_key('date_day') }} as date_key,
    date_day,
    {{ claims_date_trunc('month', 'date_day') }} as month_start_date,
    {{ dbt.last_day('date_day', 'month') }} as month_end_date,
    {{ date_key(claims_date_trunc('month', 'date_day')) }} as month_key
from days
