import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { availableParallelism } from 'node:os';

export interface DuckDBOptions {
  /** database file, or ':memory:' */
  path?: string;
  threads?: number;
  /** e.g. '1GB'; DuckDB spills to tempDirectory beyond it */
  memoryLimit?: string;
  tempDirectory?: string;
  readOnly?: boolean;
}

export interface Database {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  close(): void;
}

export async function openDuckDB(opts: DuckDBOptions = {}): Promise<Database> {
  const config: Record<string, string> = {
    threads: String(opts.threads ?? availableParallelism()),
    // Insertion order is what makes generated files byte-identical run to run.
    preserve_insertion_order: 'true',
  };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
  if (opts.readOnly) config.access_mode = 'READ_ONLY';
  const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
  const conn = await instance.connect();
  return {
    instance,
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs a query and returns rows as plain JSON-safe objects (big integers become strings). */
export async function queryRows<T = Record<string, unknown>>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as T[];
}

/** Runs a query expected to return one number (count, sum). */
export async function queryNumber(conn: DuckDBConnection, sql: string): Promise<number> {
  const reader = await conn.runAndReadAll(sql);
  const v = reader.getRows()[0]?.[0];
  return v === null || v === undefined ? 0 : Number(v);
}
