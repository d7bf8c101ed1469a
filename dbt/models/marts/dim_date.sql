-- Calendar dimension: one row per day of the generated date spine (int_calendar__days).
with days as (
    select * from {{ ref('int_calendar__days') }}
),

bounds as (
    select * from {{ ref('int_calendar__bounds') }}
),

attributes as (
    select
        d.date_key,
        d.date_day,
        cast(extract(year from d.date_day) as integer) as year_number,
        cast(extract(quarter from d.date_day) as integer) as quarter_number,
        cast(extract(month from d.date_day) as integer) as month_number,
        cast(extract(day from d.date_day) as integer) as day_of_month,
        cast({{ day_of_week_iso('d.date_day') }} as integer) as day_of_week_iso,
        d.month_start_date,
        d.month_end_date,
        d.month_key,
        d.date_day <= b.data_as_of_date as is_within_data
    from days as d
    cross join bounds as b
)

select
    date_key,
    date_day,
    year_number,
    quarter_number,
    month_number,
    cast(year_number as {{ dbt.type_string() }}) || '-' || lpad(cast(month_number as {{ dbt.type_string() }}), 2, '0') as year_month,
    case month_number
        when 1 then 'January' when 2 then 'February' when 3 then 'March' when 4 then 'April'
        when 5 then 'May' when 6 then 'June' when 7 then 'July' when 8 then 'August'
        when 9 then 'September' when 10 then 'October' when 11 then 'November' else 'December'
    end as month_name,
    day_of_month,
    day_of_week_iso,
    case day_of_week_iso
        when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday' when 4 then 'Thursday'
        when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
    end as day_name,
    day_of_week_iso in (6, 7) as is_weekend,
    month_start_date,
    month_end_date,
    month_key,
    date_day = month_end_date as is_month_end,
    is_within_data
from attributes
