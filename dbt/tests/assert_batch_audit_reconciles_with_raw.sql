-- Reconciliation with the load stage's audit: for every batch and entity dataset, the rows the
-- audit says were loaded are the rows in raw carrying that _batch_id, and every batch in raw has
-- an audit row.
with audit as (
    select batch_id, dataset, loaded_rows
    from {{ source('pipeline', 'batch_audit') }}
    where dataset in ('members', 'providers', 'claims')
),

raw_counts as (
    select _batch_id as batch_id, 'members' as dataset, count(*) as raw_rows
    from {{ source('payer', 'members') }} group by _batch_id
    union all
    select _batch_id, 'providers', count(*)
    from {{ source('payer', 'providers') }} group by _batch_id
    union all
    select _batch_id, 'claims', count(*)
    from {{ source('payer', 'claims') }} group by _batch_id
)

select
    coalesce(a.batch_id, r.batch_id) as batch_id,
    coalesce(a.dataset, r.dataset) as dataset,
    a.loaded_rows as audit_loaded_rows,
    r.raw_rows
from audit as a
full outer join raw_counts as r
    on a.batch_id = r.batch_id
    and a.dataset = r.dataset
where a.loaded_rows is null
   or coalesce(r.raw_rows, 0) <> a.loaded_rows
