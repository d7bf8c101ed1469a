// DuckDB in memory over files: generated CSV, and lake parts the Lake hands over as local files.
// Sealed like the warehouse reader: it reads only inside the folders it is given (the lake's local
// roots and the generated folder), its settings are locked, its memory is bounded.

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { countRelation, describeRelation, pageRelation, profileRelation, type DuckDBRelation } from './relation-queries.ts';
import { openSealed, type ReaderLimits } from './sealed.ts';
import { literalList } from './sql.ts';
import type { ColumnInfo, ColumnProfile, Filter, Json, PageQuery } from '../warehouse/reader.ts';

/** Files of one dataset, as the catalog found them (local paths, inside the allowed folders). */
export interface FileSet {
  format: 'csv' | 'parquet';
  paths: string[];
  /** read year=/month= folder names as columns (the curated zone's partitions) */
  hivePartitioning: boolean;
  /** the contract's types and descriptions, to attach to the columns read */
  annotate?: (c: ColumnInfo) => ColumnInfo;
}

function relationOf(files: FileSet): string {
  return files.format === 'csv'
    ? // Raw files are read as text: the point of a raw preview is to show what arrived, defects included.
      `read_csv(${literalList(files.paths)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', null_padding = true, strict_mode = false)`
    : `read_parquet(${literalList(files.paths)}, hive_partitioning = ${files.hivePartitioning}, union_by_name = true)`;
}

export class FileReader {
  private instance: Promise<DuckDBInstance> | null = null;

  constructor(
    private readonly allowedDirectories: string[],
    private readonly limits: ReaderLimits,
  ) {}

  private async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    this.instance ??= openSealed(':memory:', this.allowedDirectories, this.limits).catch((err: unknown) => {
      this.instance = null;
      throw err;
    });
    const conn = await (await this.instance).connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  private async relation(conn: DuckDBConnection, files: FileSet): Promise<DuckDBRelation> {
    const relation = relationOf(files);
    const columns = await describeRelation(conn, relation);
    return { relation, columns: files.annotate ? columns.map(files.annotate) : columns, hasRowid: false, inWarehouse: false };
  }

  columns(files: FileSet): Promise<ColumnInfo[]> {
    return this.use(async (conn) => (await this.relation(conn, files)).columns);
  }

  page(files: FileSet, query: PageQuery): Promise<Json[][]> {
    return this.use(async (conn) => pageRelation(conn, await this.relation(conn, files), query));
  }

  count(files: FileSet, filters?: Filter[]): Promise<number> {
    return this.use(async (conn) => countRelation(conn, await this.relation(conn, files), filters));
  }

  profile(files: FileSet, column: string, filters?: Filter[]): Promise<ColumnProfile> {
    return this.use(async (conn) => profileRelation(conn, await this.relation(conn, files), column, filters));
  }

  async close(): Promise<void> {
    if (this.instance) (await this.instance).closeSync();
    this.instance = null;
  }
}
