// Every dataset the app can show, and how to read each one. A DatasetRef coming from a client is
// only ever resolved against what exists: file datasets against the manifests (files handed over by
// the Lake, or found in the generated folder), warehouse tables against the warehouse's own list.
// Names are never spliced into SQL from the request.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadContracts } from '../../contract-loader/load.ts';
import type { ContractSet } from '../../contract-loader/types.ts';
import type { FileSet } from '../../duckdb/file-reader.ts';
import type { Lake } from '../../lake/types.ts';
import type { TableRef, WarehouseReader } from '../../warehouse/reader.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import type { ColumnInfo, DatasetEntry, DatasetRef } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import { curatedManifests, generatedBatchDirs, generatedFile, generatedManifest, landedBatches, rawManifest, type CuratedDataset } from './manifests.ts';

/** A dataset a request may read: files (through the file reader) or a warehouse relation. */
export type ResolvedDataset = { ref: DatasetRef; columns: ColumnInfo[] } & ({ engine: 'files'; files: FileSet } | { engine: 'warehouse'; table: TableRef });

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
    private readonly warehouse: WarehouseReader,
    private readonly fileColumns: (files: FileSet) => Promise<ColumnInfo[]>,
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
    if (this.warehouse.availability().available) {
      for (const t of await this.warehouse.tables()) {
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
    const contract = this.contracts.byName.get(ref.name);
    const meta = new Map<string, { type: string; description: string }>();
    for (const c of contract?.columns ?? []) meta.set(c.name, { type: c.type, description: c.description });
    for (const d of contract?.derived ?? []) meta.set(d.name, { type: d.type, description: d.description });
    const fileSet: FileSet = {
      format,
      paths: files,
      hivePartitioning: ref.source === 'curated',
      annotate: (c) => {
        const m = meta.get(c.name);
        return m ? { ...c, contractType: m.type, description: m.description } : c;
      },
    };
    return { ref, engine: 'files', files: fileSet, columns: await this.fileColumns(fileSet) };
  }

  private async resolveWarehouse(ref: DatasetRef): Promise<ResolvedDataset> {
    const dot = ref.name.indexOf('.');
    if (dot < 1) throw new ApiError('invalid_request', `Warehouse tables are named schema.table, got "${ref.name}".`, { details: [{ path: 'ref.name', message: 'expected schema.table' }] });
    const table = { schema: ref.name.slice(0, dot), table: ref.name.slice(dot + 1) };
    const columns = await this.warehouse.columns(table);
    if (!columns.length) throw new ApiError('not_found', `There is no table ${ref.name} in the warehouse.`, { hint: 'Pick a table from the list; it shows what the last run loaded.' });
    return { ref, engine: 'warehouse', table, columns };
  }
}
