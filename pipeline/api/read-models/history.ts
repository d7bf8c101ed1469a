// A member's or provider's history across batches: every version loaded into raw.<dataset>
// (each batch lands the rows that changed), ordered by updated_at, with the tracked columns that
// changed from one version to the next. Valid-from/valid-to follow the SCD2 rule the snapshots use.

import type { QueryParam, WarehouseReader } from '../../warehouse/reader.ts';
import type { Contract } from '../../contract-loader/types.ts';
import type { HistoryEntity, HistoryTimeline, HistoryVersion, Widget } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import { dialectSql } from './dialect.ts';

const DATASET: Record<HistoryEntity, 'members' | 'providers'> = { member: 'members', provider: 'providers' };
/** the columns a search lists beside the id */
export const HISTORY_LABEL_COLUMNS: Record<HistoryEntity, readonly string[]> = { member: ['first_name', 'last_name'], provider: ['provider_name'] };
const LABEL: Record<HistoryEntity, string> = {
  member: `concat_ws(' ', ${HISTORY_LABEL_COLUMNS.member.join(', ')})`,
  provider: HISTORY_LABEL_COLUMNS.provider[0]!,
};

function keyOf(c: Contract): string {
  return c.primary_key[0]!;
}

/** The key column of an entity's history (member_id, provider_id). */
export const historyKey = (contracts: Map<string, Contract>, entity: HistoryEntity) => keyOf(contracts.get(DATASET[entity])!);

export async function searchHistory(
  warehouse: WarehouseReader,
  contracts: Map<string, Contract>,
  entity: HistoryEntity,
  query: string,
): Promise<Widget<{ matches: { id: string; label: string; versions: number }[] }>> {
  const dataset = DATASET[entity];
  const key = keyOf(contracts.get(dataset)!);
  const { ident, startsWith } = dialectSql(warehouse.dialect);
  const now = warehouse.availability();
  if (!now.available) return { available: false, reason: now.reason };
  const cols = await warehouse.columns({ schema: 'raw', table: dataset });
  if (!cols.length) return { available: false, reason: `No raw.${dataset} yet: the load stage creates it.` };
  const params: QueryParam[] = [];
  let where = 'true';
  if (query.trim()) {
    params.push(query.trim(), query.trim());
    where = `(${startsWith(ident(key), 'upper(?)')} OR contains(lower(${LABEL[entity]}), lower(?)))`;
  }
  // entities with the most versions first: they are the ones with a story to tell
  const rows = await warehouse.queryObjects(
    `SELECT ${ident(key)} AS id, any_value(${LABEL[entity]}) AS label, count(*) AS versions FROM raw.${ident(dataset)}
     WHERE ${where} GROUP BY 1 ORDER BY versions DESC, id LIMIT 50`,
    params,
  );
  return { available: true, matches: rows.map((r) => ({ id: String(r.id), label: String(r.label ?? ''), versions: Number(r.versions) })) };
}

export async function historyTimeline(warehouse: WarehouseReader, contracts: Map<string, Contract>, entity: HistoryEntity, id: string): Promise<HistoryTimeline> {
  const dataset = DATASET[entity];
  const contract = contracts.get(dataset)!;
  const key = keyOf(contract);
  const tracked = contract.history?.tracked ?? [];
  const updated = contract.history?.updated_at ?? 'updated_at';
  const { ident } = dialectSql(warehouse.dialect);
  const cols = new Set((await warehouse.columns({ schema: 'raw', table: dataset })).map((c) => c.name));
  if (!cols.size) throw new ApiError('unavailable', `No raw.${dataset} yet.`, { hint: 'Run the pipeline to load it.' });
  // the lineage columns every loaded table carries (pipeline/warehouse/duckdb.ts) are not values of the entity
  const rows = await warehouse.queryObjects(
    `SELECT _batch_id AS _batch, CAST(${ident(updated)} AS VARCHAR) AS _valid_from, * EXCLUDE (${[...cols].filter((c) => c.startsWith('_')).map(ident).join(', ')})
     FROM raw.${ident(dataset)} WHERE ${ident(key)} = ? ORDER BY ${ident(updated)}, _batch_id`,
    [id],
  );
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
}
