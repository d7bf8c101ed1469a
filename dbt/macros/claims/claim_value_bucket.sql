{#-
  Band of a billed amount, as in the claims contract (derived column value_bucket):
  LOW < 250 <= NORMAL < 10,000 <= ELEVATED < 50,000 <= HIGH. The reference implementation had two
  bands (HIGH at 50,000 or more, else NORMAL); HIGH keeps exactly that meaning, so HIGH <=> the
  high-value flag. Bounds come from the var claim_value_bucket_bounds.
-#}
{% macro claim_value_bucket(amount) -%}
    {%- set bounds = var('claim_value_bucket_bounds', [250, 10000, 50000]) -%}
    case
        when {{ amount }} is null then null
        when {{ amount }} < {{ bounds[0] }} then 'LOW'
        when {{ amount }} < {{ bounds[1] }} then 'NORMAL'
        when {{ amount }} < {{ bounds[2] }} then 'ELEVATED'
        else 'HIGH'
    end
{%- endmacro %}

{#- The reference rule: a claim is high-value when its billed amount is at least 50,000 USD. -#}
{% macro is_high_value(amount) -%}
    ({{ amount }} >= {{ var('high_value_threshold', 50000) }})
{%- endmacro %}
