-- SCD Type 2 member dimension: one row per member version from members_snapshot, with the
-- plan's attributes conformed from the plans code set.
with snapshot as (
    select * from {{ ref('members_snapshot') }}
),

plans as (
    select * from {{ ref('stg_reference__plans') }}
),

versions as (
    select
        {{ surrogate_key(['member_id', 'dbt_valid_from']) }} as member_version_key,
        member_id,
        first_name,
        last_name,
        first_name || ' ' || last_name as full_name,
        birth_date,
        gender,
        street,
        city,
        state,
        zip_code,
        county,
        plan_id,
        line_of_business,
        coverage_start_date,
        coverage_end_date,
        updated_at,
        {{ scd2_version_columns('member_id') }},
        _batch_id as source_batch_id
    from snapshot
)

select
    v.member_version_key,
    v.member_id,
    v.version_number,
    v.first_name,
    v.last_name,
    v.full_name,
    v.birth_date,
    v.gender,
    v.street,
    v.city,
    v.state,
    v.zip_code,
    v.county,
    v.plan_id,
    p.plan_name,
    p.plan_type,
    p.metal_tier,
    v.line_of_business,
    v.coverage_start_date,
    v.coverage_end_date,
    v.updated_at,
    v.valid_from,
    v.valid_to,
    v.is_current,
    v.effective_from,
    v.effective_to,
    v.source_batch_id
from versions as v
left join plans as p
    on v.plan_id = p.plan_id
