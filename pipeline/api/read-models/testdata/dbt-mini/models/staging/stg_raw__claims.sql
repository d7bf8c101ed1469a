select * from {{ source('raw', 'claims') }}
