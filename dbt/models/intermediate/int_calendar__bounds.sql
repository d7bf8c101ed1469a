-- One row: the calendar the data needs, and the date the data is as of.
with claims as (
    select * from {{ ref('stg_payer__claims') }}
),

extent as (
    select
        min(service_from_date) as first_service_date,
        max(received_date) as last_received_date,
        max(
            greatest(
                service_to_date,
                received_date,
                coalesce(adjudicated_date, received_date),
                coalesce(paid_date, received_date)
            )
        ) as last_event_date
    from claims
)

select
    {{ claims_date_trunc('year', 'first_service_date') }} as calendar_start_date,
    {{ dbt.last_day('last_event_date', 'year') }} as calendar_end_date,
    {{ dbt.last_day('last_received_date', 'month') }} as data_as_of_date,
    {{ claims_date_trunc('month', 'last_received_date') }} as data_as_of_month_start_date
from extent
