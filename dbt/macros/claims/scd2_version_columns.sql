{#-
  The SCD Type 2 columns of a dimension built on a dbt snapshot, for its `versions` CTE: the
  snapshot's validity (valid_from, valid_to, is_current), version_number in validity order, and
  the point-in-time join window effective_from / effective_to, where the first version also
  covers the dates before it was recorded (the first extract only carries each key's state at
  the time) and the current one is open-ended. One definition for dim_members and dim_providers.
-#}
{% macro scd2_version_columns(key_column) -%}
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current,
    row_number() over (partition by {{ key_column }} order by dbt_valid_from) as version_number,
    case when row_number() over (partition by {{ key_column }} order by dbt_valid_from) = 1
        then cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        else dbt_valid_from
    end as effective_from,
    coalesce(dbt_valid_to, cast('9999-12-31 00:00:00' as {{ dbt.type_timestamp() }})) as effective_to
{%- endmacro %}
