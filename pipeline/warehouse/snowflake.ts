// The cloud warehouse: Snowflake, schema RAW as Glue job 2 writes it (glue/hfc_glue/snowflake_sql.py).
// The tables are those of the DuckDB warehouse (duckdb.ts) under unquoted, so upper-case, names:
// RAW.MEMBERS / PROVIDERS / CLAIMS with the contract's columns plus the lineage columns _BATCH_ID,
// _LOADED_AT (TIMESTAMP_NTZ, UTC), _SOURCE_FILE, _SOURCE_LINE; RAW.BATCH_AUDIT, RAW.QUARANTINE and
// RAW.DUPLICATES. Loading is Glue job 2's run, which the caller injects; this side answers the
// verify stage: the audit records, row counts in the loaded tables, freshness.

import { ENTITY_ORDER } from '../contract-loader/load.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import { SnowflakeSession, type SessionEvent } from '../snowflake/connection.ts';
import { SnowflakeObjectMissingError } from '../snowflake/errors.ts';
import { qualified } from '../snowflake/names.ts';
import { snowflakeLocation, type SnowflakeSettings } from '../snowflake/settings.ts';
import type { BatchAudit, LoadRequest, LoadResult, Warehouse } from './types.ts';

/** Loads one batch into RAW: the Glue job 2 run (pipeline/stages wires it). */
export type SnowflakeLoad = (req: LoadRequest) => Promise<LoadResult>;

const isoFromEpochMs = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());

export class SnowflakeWarehouse implements Warehouse {
  readonly name = 'snowflake';
  readonly location: string;
  private session: Promise<SnowflakeSession> | null = null;

  constructor(
    private readonly settings: SnowflakeSettings,
    private readonly contracts: ContractSet,
    private readonly load: SnowflakeLoad,
    private readonly options: { onEvent?: (e: SessionEvent) => void; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.location = snowflakeLocation(settings);
  }

  private open(): Promise<SnowflakeSession> {
    this.session ??= SnowflakeSession.open(this.settings, { onEvent: this.options.onEvent, env: this.options.env }).catch((err: unknown) => {
      this.session = null;
      throw err;
    });
    return this.session;
  }

  private table(name: string): string {
    return qualified(this.settings.database, this.settings.schemas.raw, name);
  }

  loadBatch(req: LoadRequest): Promise<LoadResult> {
    return this.load(req);
  }

  /** Whether RAW has the table (false also when the database or schema is not there yet). */
  private async hasTable(name: string): Promise<boolean> {
    const s = await this.open();
    try {
      const r = await s.execute(`SELECT COUNT(*) FROM ${qualified(this.settings.database, 'INFORMATION_SCHEMA', 'TABLES')} WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, [
        this.settings.schemas.raw.toUpperCase(),
        name.toUpperCase(),
      ]);
      return Number(r.rows[0]?.[0] ?? 0) > 0;
    } catch (err) {
      if (err instanceof SnowflakeObjectMissingError) return false;
      throw err;
    }
  }

  async audit(batch?: number): Promise<BatchAudit[]> {
    if (!(await this.hasTable('batch_audit'))) return [];
    const s = await this.open();
    const rows = await s.objects(
      `SELECT BATCH_ID, DATASET, TXN, RAW_ROWS, DUPLICATES_REMOVED, QUARANTINED_ROWS, CURATED_ROWS, LOADED_ROWS, DATE_PART(EPOCH_MILLISECOND, LOADED_AT) AS LOADED_AT_MS
       FROM ${this.table('batch_audit')} ${batch === undefined ? '' : 'WHERE BATCH_ID = ?'}`,
      batch === undefined ? [] : [batch],
    );
    const rank = (d: string) => (ENTITY_ORDER.includes(d as (typeof ENTITY_ORDER)[number]) ? ENTITY_ORDER.indexOf(d as (typeof ENTITY_ORDER)[number]) : ENTITY_ORDER.length);
    return rows
      .map((r) => ({
        batch_id: Number(r.batch_id),
        dataset: String(r.dataset),
        txn: String(r.txn),
        raw_rows: Number(r.raw_rows),
        duplicates_removed: Number(r.duplicates_removed),
        quarantined_rows: Number(r.quarantined_rows),
        curated_rows: Number(r.curated_rows),
        loaded_rows: Number(r.loaded_rows),
        loaded_at: isoFromEpochMs(r.loaded_at_ms) ?? '',
      }))
      .sort((a, b) => a.batch_id - b.batch_id || rank(a.dataset) - rank(b.dataset));
  }

  async countRows(dataset: string, batch: number): Promise<number> {
    if (!this.contracts.byName.has(dataset)) throw new Error(`Unknown dataset ${dataset}`);
    const s = await this.open();
    const r = await s.execute(`SELECT COUNT(*) FROM ${this.table(dataset)} WHERE _BATCH_ID = ?`, [batch]);
    return Number(r.rows[0]?.[0] ?? 0);
  }

  async freshness(): Promise<Array<{ dataset: string; latest_loaded_at: string | null }>> {
    const s = await this.open();
    const out: Array<{ dataset: string; latest_loaded_at: string | null }> = [];
    for (const name of ENTITY_ORDER) {
      if (!(await this.hasTable(name))) {
        out.push({ dataset: name, latest_loaded_at: null });
        continue;
      }
      const r = await s.execute(`SELECT DATE_PART(EPOCH_MILLISECOND, MAX(_LOADED_AT)) FROM ${this.table(name)}`);
      out.push({ dataset: name, latest_loaded_at: isoFromEpochMs(r.rows[0]?.[0]) });
    }
    return out;
  }

  async close(): Promise<void> {
    const pending = this.session;
    this.session = null;
    if (pending) await (await pending.catch(() => null))?.close();
  }
}
