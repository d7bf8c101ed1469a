-- In SQL for the reason given in members_snapshot.sql.
{% snapshot providers_snapshot %}
{{ config(unique_key='provider_id', strategy='timestamp', updated_at='updated_at', hard_deletes='ignore') }}
select * from {{ ref('int_providers__latest_state') }}
{% endsnapshot %}
