// Every dataset the app can show, and how to read each one. A DatasetRef coming from a client is
// only ever resolved against what exists: file datasets against the folders found on disk,
// warehouse tables against the catalog. Names are never spliced into SQL from the request.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../../lake/types.ts';
import { loadContracts } from '../../contract-loader/load.ts';
import type { ContractSet } from '../../contract-loader/types.ts';
import { ident, literalList } from '../../duckdb/sql.ts';
import type { ColumnInfo, DatasetEntry, DatasetRef } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import type { FileReader, WarehouseReader } from './warehouse-reader.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import { curatedManifests, generatedBatchDirs, generatedFile, generatedManifest, landedBatches, rawManifest, type CuratedDataset } from './manifests.ts';

export interface ResolvedDataset {
  ref: DatasetRef;
  /** a FROM-clause relation built only from discovered paths and catalog names, all quoted */
  relation: string;
  engine: 'files' | 'warehouse';
  columns: ColumnInfo[];
  /** a stored table (not a view or a file): it has rowids, which make sorted paging cheap */
  hasRowid: boolean;
}

/** Files of one generated dataset folder (`batch=<k>/<dataset>/`), each kept inside the generated folder. */
function generatedFiles(layout: WorkspacePaths, folder: string, ext: RegExp): string[] {
  const dir = generatedFile(layout, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && ext.test(e.name) && !e.name.startsWith('.'))
    .map((e) => generatedFile(layout, join(folder, e.name)))
    .sort();
}

const CSV = /\.csv$/;
const PARQUET = /\.parquet$/;

export class Catalog {
  readonly contracts: ContractSet;

  constructor(
    private readonly layout: WorkspacePaths,
    private readonly lake: Lake,
    private readonly files: FileReader,
    private readonly warehouse: WarehouseReader,
  ) {
    this.contracts = loadContracts();
  }

  private get entityNames(): string[] {
    return this.contracts.entities.map((c) => c.dataset);
  }

  /** The files behind a file dataset; empty when there are none. Lake files come from the lake, as local files. */
  private async datasetFiles(ref: DatasetRef): Promise<{ files: string[]; format: 'csv' | 'parquet'; rows: number | null }> {
    const lakeFiles = (keys: string[]) => Promise.all(keys.map((k) => this.lake.localPath(k)));
    const committed = async (pick: (d: CuratedDataset) => { keys: string[]; rows: number }) => {
      const parts = (await curatedManifests(this.lake)).map((m) => m.datasets[ref.name]).filter((d) => d !== undefined).map(pick);
      return { files: await lakeFiles(parts.flatMap((x) => x.keys)), rows: parts.reduce((n, x) => n + x.rows, 0) };
    };
    switch (ref.source) {
      case 'generated': {
        const folder = join(`batch=${ref.batch ?? 0}`, ref.name);
        const csv = generatedFiles(this.layout, folder, CSV);
        const rows = generatedManifest(this.layout, ref.batch ?? 0)?.datasets[ref.name]?.rows ?? null;
        return csv.length ? { files: csv, format: 'csv', rows } : { files: generatedFiles(this.layout, folder, PARQUET), format: 'parquet', rows };
      }
      case 'raw': {
        const d = (await rawManifest(this.lake, ref.batch ?? 0))?.datasets[ref.name];
        return { files: await lakeFiles((d?.files ?? []).map((f) => f.key)), format: 'csv', rows: d?.rows ?? null };
      }
      case 'curated':
        return { ...(await committed((d) => ({ keys: d.files, rows: d.curated_rows }))), format: 'parquet' };
      case 'quarantine':
        return { ...(await committed((d) => ({ keys: d.quarantine_files, rows: d.quarantined_rows }))), format: 'parquet' };
      case 'duplicates':
        return { ...(await committed((d) => ({ keys: d.duplicate_files, rows: d.duplicates_removed }))), format: 'parquet' };
      default:
        return { files: [], format: 'parquet', rows: null };
    }
  }

  async list(): Promise<DatasetEntry[]> {
    const out: DatasetEntry[] = [];
    const describe = (name: string) => this.contracts.byName.get(name)?.description;
    for (const batch of generatedBatchDirs(this.layout)) {
      for (const name of this.entityNames) {
        const ref: DatasetRef = { source: 'generated', name, batch };
        const { files, rows } = await this.datasetFiles(ref);
        if (files.length) out.push({ ref, label: `${name} · batch ${batch}`, rows, files: files.length, description: describe(name) });
      }
    }
    for (const batch of await landedBatches(this.lake)) {
      for (const name of this.entityNames) {
        const ref: DatasetRef = { source: 'raw', name, batch };
        const { files, rows } = await this.datasetFiles(ref);
        if (files.length) out.push({ ref, label: `${name} · batch ${batch}`, rows, files: files.length, description: describe(name) });
      }
    }
    for (const source of ['curated', 'quarantine', 'duplicates'] as const) {
      for (const name of this.entityNames) {
        const ref: DatasetRef = { source, name };
        const { files, rows } = await this.datasetFiles(ref);
        if (files.length) out.push({ ref, label: name, rows, files: files.length, description: source === 'curated' ? describe(name) : undefined });
      }
    }
    if (this.warehouse.exists() && !this.warehouse.blocked) {
      const tables = await this.warehouse.use((conn) => warehouseTables(conn));
      for (const t of tables) {
        out.push({ ref: { source: 'warehouse', name: `${t.schema}.${t.table}` }, label: `${t.schema}.${t.table}`, rows: t.rows, files: null, description: t.comment ?? undefined });
      }
    }
    return out;
  }

  /** Resolves a client's ref to something readable, or says what is missing. */
  async resolve(ref: DatasetRef): Promise<ResolvedDataset> {
    if (ref.source === 'warehouse') return this.resolveWarehouse(ref);
    if (!this.entityNames.includes(ref.name)) {
      throw new ApiError('not_found', `Unknown dataset "${ref.name}": file datasets are ${this.entityNames.join(', ')}.`);
    }
    if ((ref.source === 'generated' || ref.source === 'raw') && ref.batch === undefined) {
      throw new ApiError('invalid_request', `A ${ref.source} dataset needs a batch.`, { details: [{ path: 'ref.batch', message: 'required for generated and raw files' }] });
    }
    const { files, format } = await this.datasetFiles(ref);
    if (!files.length) {
      const where = ref.source === 'generated' ? 'Generate a batch first.' : 'Run the pipeline to fill the lake.';
      throw new ApiError('not_found', `No ${ref.source} files for ${ref.name}${ref.batch ? ` batch ${ref.batch}` : ''}.`, { hint: where });
    }
    const relation =
      format === 'csv'
        ? // Raw files are read as text: the point of a raw preview is to show what arrived, defects included.
          `read_csv(${literalList(files)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', null_padding = true, strict_mode = false)`
        : `read_parquet(${literalList(files)}, hive_partitioning = ${ref.source === 'curated'}, union_by_name = true)`;
    const contract = this.contracts.byName.get(ref.name);
    const types = new Map<string, { type: string; description: string }>();
    for (const c of contract?.columns ?? []) types.set(c.name, { type: c.type, description: c.description });
    for (const d of contract?.derived ?? []) types.set(d.name, { type: d.type, description: d.description });
    const columns = await this.files.use((conn) => describeRelation(conn, relation));
    return {
      ref,
      relation,
      engine: 'files',
      hasRowid: false,
      columns: columns.map((c) => {
        const meta = types.get(c.name);
        return meta ? { ...c, contractType: meta.type, description: meta.description } : c;
      }),
    };
  }

  private async resolveWarehouse(ref: DatasetRef): Promise<ResolvedDataset> {
    const dot = ref.name.indexOf('.');
    if (dot < 1) throw new ApiError('invalid_request', `Warehouse tables are named schema.table, got "${ref.name}".`, { details: [{ path: 'ref.name', message: 'expected schema.table' }] });
    const schema = ref.name.slice(0, dot);
    const table = ref.name.slice(dot + 1);
    return this.warehouse.use(async (conn) => {
      const found = await conn.runAndReadAll(
        `SELECT table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2 AND table_catalog = current_database()`,
        [schema, table],
      );
      if (found.currentRowCount === 0) throw new ApiError('not_found', `There is no table ${ref.name} in the warehouse.`, { hint: 'Pick a table from the list; it shows what the last run loaded.' });
      const relation = `${ident(schema)}.${ident(table)}`;
      const hasRowid = found.getRowsJson()[0]?.[0] === 'BASE TABLE';
      return { ref, relation, engine: 'warehouse', columns: await describeRelation(conn, relation), hasRowid };
    });
  }

  /** Runs fn with a connection of the engine that can read the dataset. */
  use<T>(dataset: ResolvedDataset, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return dataset.engine === 'warehouse' ? this.warehouse.use(fn) : this.files.use(fn);
  }
}

export async function describeRelation(conn: DuckDBConnection, relation: string): Promise<ColumnInfo[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return reader.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

export async function warehouseTables(conn: DuckDBConnection): Promise<{ schema: string; table: string; rows: number | null; comment: string | null }[]> {
  const reader = await conn.runAndReadAll(`
    SELECT t.table_schema AS schema, t.table_name AS "table", d.estimated_size AS rows, coalesce(d.comment, v.comment) AS comment
    FROM information_schema.tables t
    LEFT JOIN duckdb_tables() d ON d.schema_name = t.table_schema AND d.table_name = t.table_name AND d.database_name = t.table_catalog
    LEFT JOIN duckdb_views() v ON v.schema_name = t.table_schema AND v.view_name = t.table_name AND v.database_name = t.table_catalog
    WHERE t.table_schema NOT IN ('information_schema', 'pg_catalog') AND t.table_catalog = current_database()
    ORDER BY CASE t.table_schema WHEN 'raw' THEN 0 WHEN 'staging' THEN 1 WHEN 'core' THEN 2 WHEN 'marts' THEN 3 WHEN 'snapshots' THEN 4 ELSE 5 END,
      t.table_schema, t.table_name`);
  return reader.getRowObjectsJson().map((r) => ({
    schema: String(r.schema),
    table: String(r.table),
    rows: r.rows === null ? null : Number(r.rows),
    comment: r.comment === null || r.comment === '' ? null : String(r.comment),
  }));
}

/** Whether a warehouse relation exists, and its columns (empty when it does not). */
export async function relationColumns(conn: DuckDBConnection, schema: string, table: string): Promise<Set<string>> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND table_catalog = current_database()`,
    [schema, table],
  );
  return new Set(reader.getRowsJson().map((r) => String(r[0])));
}

