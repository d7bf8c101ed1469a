{#-
  Money rounded half away from zero to `scale` decimals and typed as DECIMAL(18, scale), the same
  on DuckDB and Snowflake (sums of DECIMAL(12,2) otherwise come back as DECIMAL(38,2) on one and
  NUMBER(38,2) on the other, and quotients as DOUBLE/NUMBER with arbitrary scale).
-#}
{% macro money(expression, scale=2) -%}
    cast(round({{ expression }}, {{ scale }}) as decimal(18, {{ scale }}))
{%- endmacro %}

{#-
  numerator / denominator rounded to `scale` decimals, NULL when the denominator is NULL or 0
  (the contract's `ratio` derivation: "empty when nothing was allowed").
-#}
{% macro safe_ratio(numerator, denominator, scale=4) -%}
    case
        when {{ denominator }} is null or {{ denominator }} = 0 then null
        else cast(round(cast({{ numerator }} as decimal(18, 6)) / {{ denominator }}, {{ scale }}) as decimal(18, {{ scale }}))
    end
{%- endmacro %}
