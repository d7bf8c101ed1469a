// A member's or provider's history across batches: every version loaded into raw.<dataset>
// (each batch lands the rows that changed), ordered by updated_at, with the tracked columns that
// changed from one version to the next. Valid-from/valid-to follow the SCD2 rule the snapshots use.

import type { DuckDBValue } from '@duckdb/node-api';
import { ident } from '../../duckdb/sql.ts';
import type { Contract } from '../../contract-loader/types.ts';
import type { HistoryEntity, HistoryTimeline, HistoryVersion, Json, Widget } from '../protocol.ts';
import { relationColumns } from './catalog.ts';
import { ApiError } from '../errors.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

const DATASET: Record<HistoryEntity, 'members' | 'providers'> = { member: 'members', provider: 'providers' };
const LABEL: Record<HistoryEntity, string> = {
  member: `concat_ws(' ', first_name, last_name)`,
  provider: 'provider_name',
};

function keyOf(c: Contract): string {
  return c.primary_key[0]!;
}

export async function searchHistory(
  warehouse: WarehouseReader,
  contracts: Map<string, Contract>,
  entity: HistoryEntity,
  query: string,
): Promise<Widget<{ matches: { id: string; label: string; versions: number }[] }>> {
  const dataset = DATASET[entity];
  const key = keyOf(contracts.get(dataset)!);
  if (!warehouse.exists()) return { available: false, reason: 'No pipeline run yet: history is read from the loaded raw tables.' };
  return warehouse.use(async (conn) => {
    const cols = await relationColumns(conn, 'raw', dataset);
    if (!cols.size) return { available: false, reason: `No raw.${dataset} yet: the load stage creates it.` };
    const params: DuckDBValue[] = [];
    let where = 'true';
    if (query.trim()) {
      params.push(query.trim());
      where = `(starts_with(${ident(key)}, upper($1)) OR contains(lower(${LABEL[entity]}), lower($1)))`;
    }
    // entities with the most versions first: they are the ones with a story to tell
    const rows = (
      await conn.runAndReadAll(
        `SELECT ${ident(key)} AS id, any_value(${LABEL[entity]}) AS label, count(*) AS versions FROM raw.${ident(dataset)}
         WHERE ${where} GROUP BY 1 ORDER BY versions DESC, id LIMIT 50`,
        params,
      )
    ).getRowObjectsJson();
    return { available: true, matches: rows.map((r) => ({ id: String(r.id), label: String(r.label ?? ''), versions: Number(r.versions) })) };
  });
}

export async function historyTimeline(warehouse: WarehouseReader, contracts: Map<string, Contract>, entity: HistoryEntity, id: string): Promise<HistoryTimeline> {
  const dataset = DATASET[entity];
  const contract = contracts.get(dataset)!;
  const key = keyOf(contract);
  const tracked = contract.history?.tracked ?? [];
  const updated = contract.history?.updated_at ?? 'updated_at';
  return warehouse.use(async (conn) => {
    const cols = await relationColumns(conn, 'raw', dataset);
    if (!cols.size) throw new ApiError('unavailable', `No raw.${dataset} yet.`, { hint: 'Run the pipeline to load it.' });
    const batch = cols.has('_batch_id') ? '_batch_id' : 'NULL';
    const reader = await conn.runAndReadAll(
      `SELECT ${batch} AS _batch, CAST(${ident(updated)} AS VARCHAR) AS _valid_from, * EXCLUDE (${[...cols].filter((c) => c.startsWith('_')).map(ident).join(', ') || '"__none__"'})
       FROM raw.${ident(dataset)} WHERE ${ident(key)} = $1 ORDER BY ${ident(updated)}, ${batch}`,
      [id],
    );
    const rows = reader.getRowObjectsJson() as Record<string, Json>[];
    if (!rows.length) throw new ApiError('not_found', `No ${entity} ${id} in raw.${dataset}.`, { hint: 'Search by id or name and pick from the list.' });
    // a later batch can resend an unchanged row; only changes make a new version
    const versions: HistoryVersion[] = [];
    for (const r of rows) {
      const { _batch, _valid_from, ...values } = r;
      const prev = versions.at(-1);
      const changed = prev ? tracked.filter((c) => JSON.stringify(prev.values[c]) !== JSON.stringify(values[c])).map((c) => ({ column: c, from: prev.values[c] ?? null, to: values[c] ?? null })) : [];
      if (prev && changed.length === 0) continue;
      if (prev) prev.validTo = _valid_from === null ? null : String(_valid_from);
      versions.push({ batch: _batch === null ? null : Number(_batch), validFrom: _valid_from === null ? null : String(_valid_from), validTo: null, isCurrent: false, values, changed });
    }
    versions.at(-1)!.isCurrent = true;
    return { entity, id, table: `raw.${dataset}`, tracked, versions };
  });
}
