{#-
  Snapshot / SCD Type 2 validation, per key:
    - every window is non-empty (valid_from < valid_to when closed);
    - windows neither overlap nor leave gaps: each closed version ends exactly where the next begins;
    - exactly one current row (valid_to is NULL, and is_current when a flag column is given).
  Returns one row per offending version (or per key with no / several current rows).
-#}
{% test valid_scd2_history(model, key_column, valid_from_column='valid_from', valid_to_column='valid_to', is_current_column=none) %}
with versions as (
    select
        {{ key_column }} as scd_key,
        {{ valid_from_column }} as scd_valid_from,
        {{ valid_to_column }} as scd_valid_to,
        {% if is_current_column %}{{ is_current_column }}{% else %}{{ valid_to_column }} is null{% endif %} as scd_is_current,
        lead({{ valid_from_column }}) over (partition by {{ key_column }} order by {{ valid_from_column }}) as next_valid_from
    from {{ model }}
),
bad_windows as (
    select scd_key, scd_valid_from, scd_valid_to,
        case
            when scd_valid_to is not null and scd_valid_to <= scd_valid_from then 'empty or inverted window'
            when scd_valid_to is null and next_valid_from is not null then 'open window is not the last version'
            when scd_valid_to is not null and next_valid_from is null then 'last version is closed'
            when scd_valid_to > next_valid_from then 'overlaps the next version'
            when scd_valid_to < next_valid_from then 'gap before the next version'
            when scd_is_current <> (scd_valid_to is null) then 'current flag disagrees with valid_to'
        end as problem
    from versions
),
current_counts as (
    select scd_key, count(case when scd_is_current then 1 end) as current_rows
    from versions
    group by scd_key
)
select scd_key, scd_valid_from, scd_valid_to, problem
from bad_windows
where problem is not null
union all
select scd_key, null, null, 'has ' || cast(current_rows as {{ dbt.type_string() }}) || ' current rows'
from current_counts
where current_rows <> 1
{% endtest %}
