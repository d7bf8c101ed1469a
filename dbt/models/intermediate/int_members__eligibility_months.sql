-- One row per member and calendar month covered (member months), within the calendar of the
-- data and up to the month the data is as of. Coverage periods come from every state received
-- (a period is identified by its coverage_start_date; its latest state says when it ends); the
-- plan and line of business are those of the state in effect on the first of the month (before
-- a member's first recorded state, the first state).
with states as (
    select * from {{ ref('stg_payer__members') }}
),

bounds as (
    select * from {{ ref('int_calendar__bounds') }}
),

months as (
    select distinct month_start_date, month_end_date, month_key
    from {{ ref('int_calendar__days') }}
),

period_states as (
    select
        member_id,
        coverage_start_date,
        coverage_end_date,
        row_number() over (
            partition by member_id, coverage_start_date
            order by updated_at desc, _batch_id desc
        ) as recency
    from states
),

coverage_periods as (
    select member_id, coverage_start_date, coverage_end_date
    from period_states
    where recency = 1
),

state_windows as (
    select
        member_id,
        plan_id,
        line_of_business,
        updated_at,
        row_number() over (partition by member_id order by updated_at, _batch_id) as state_number,
        lead(updated_at) over (partition by member_id order by updated_at, _batch_id) as next_updated_at
    from states
),

covered_months as (
    select distinct
        p.member_id,
        m.month_start_date,
        m.month_end_date,
        m.month_key
    from coverage_periods as p
    cross join bounds as b
    inner join months as m
        on m.month_end_date >= p.coverage_start_date
        and m.month_start_date <= coalesce(p.coverage_end_date, b.data_as_of_date)
    where m.month_start_date <= b.data_as_of_date
),

attributed as (
    select
        c.member_id,
        c.month_start_date,
        c.month_end_date,
        c.month_key,
        s.plan_id,
        s.line_of_business
    from covered_months as c
    inner join state_windows as s
        on s.member_id = c.member_id
        and (s.state_number = 1 or s.updated_at <= cast(c.month_start_date as {{ dbt.type_timestamp() }}))
        and (s.next_updated_at is null or s.next_updated_at > cast(c.month_start_date as {{ dbt.type_timestamp() }}))
)

select
    {{ surrogate_key(['member_id', 'month_start_date']) }} as member_month_key,
    member_id,
    month_start_date,
    month_end_date,
    month_key,
    plan_id,
    line_of_business
from attributed
