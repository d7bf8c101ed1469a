-- A snapshot block in SQL rather than a YAML-only snapshot: dbt's partial parser loses YAML-only
-- snapshots when a file they share a generic test with changes (dbt-core #10903, #11444), and the
-- edit-run loop parses partially on every run. Description, columns and tests: _snapshots.yml.
{% snapshot members_snapshot %}
{{ config(unique_key='member_id', strategy='timestamp', updated_at='updated_at', hard_deletes='ignore') }}
select * from {{ ref('int_members__latest_state') }}
{% endsnapshot %}
