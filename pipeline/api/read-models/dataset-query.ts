// A page or a column profile of any dataset the catalog resolves: files through the file reader,
// warehouse tables through the warehouse reader; both push filters and sorts down to their engine.

import type { FileReader } from '../../duckdb/file-reader.ts';
import type { WarehouseReader } from '../../warehouse/reader.ts';
import type { ColumnProfile, Filter, PageRequest, PageResult } from '../protocol.ts';
import type { Catalog, ResolvedDataset } from './catalog.ts';

/** Counts are cached per dataset and filter: scrolling asks for many pages of the same result. */
export class CountCache {
  private readonly counts = new Map<string, number>();
  get(key: string) {
    return this.counts.get(key);
  }
  set(key: string, n: number) {
    if (this.counts.size > 200) this.counts.clear();
    this.counts.set(key, n);
  }
  clear() {
    this.counts.clear();
  }
}

export interface DatasetReaders {
  catalog: Catalog;
  files: FileReader;
  warehouse: WarehouseReader;
  counts: CountCache;
}

export async function readPage(r: DatasetReaders, req: PageRequest): Promise<PageResult> {
  const ds = await r.catalog.resolve(req.ref);
  const started = performance.now();
  const query = { offset: req.offset, limit: req.limit, sort: req.sort, filters: req.filters };
  const countKey = JSON.stringify([req.ref, req.filters ?? []]);
  const cached = r.counts.get(countKey);
  const [rows, total] = await Promise.all([
    ds.engine === 'files' ? r.files.page(ds.files, query) : r.warehouse.page(ds.table, query),
    cached ?? count(r, ds, req.filters).then((n) => (r.counts.set(countKey, n), n)),
  ]);
  return { columns: ds.columns, rows, offset: req.offset, total, ms: Math.round(performance.now() - started) };
}

function count(r: DatasetReaders, ds: ResolvedDataset, filters?: Filter[]): Promise<number> {
  return ds.engine === 'files' ? r.files.count(ds.files, filters) : r.warehouse.count(ds.table, filters);
}

export async function profileColumn(r: DatasetReaders, req: { ref: PageRequest['ref']; column: string; filters?: Filter[] }): Promise<ColumnProfile> {
  const ds = await r.catalog.resolve(req.ref);
  return ds.engine === 'files' ? r.files.profile(ds.files, req.column, req.filters) : r.warehouse.profile(ds.table, req.column, req.filters);
}
