// A DuckDB that reads only what it is allowed to: opened (a file read-only, or in memory), bounded
// in memory and spill, then sealed before any SQL of anyone else's can run.

import { mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { literalList } from './sql.ts';

/** What a reader's DuckDB may use: set when it opens, and locked with the rest of its settings. */
export interface ReaderLimits {
  /** e.g. '1GB' */
  memoryLimit: string;
  /** where it may spill, and how much */
  tempDirectory: string;
  maxTempSize: string;
}

export const DEFAULT_READER_MEMORY = '1GB';
export const DEFAULT_READER_TEMP_SIZE = '4GB';

/** Opens a DuckDB that can read only inside `allowedDirectories` (none: no file at all). */
export async function openSealed(path: string, allowedDirectories: string[], limits: ReaderLimits): Promise<DuckDBInstance> {
  mkdirSync(limits.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(path, {
    ...(path === ':memory:' ? {} : { access_mode: 'READ_ONLY' }),
    threads: '2',
    memory_limit: limits.memoryLimit,
    temp_directory: limits.tempDirectory,
    max_temp_directory_size: limits.maxTempSize,
  });
  const setup = await instance.connect();
  try {
    // Sealed before any other SQL can run: reads stay inside the allowed folders, and SET cannot undo it.
    if (allowedDirectories.length) await setup.run(`SET allowed_directories = ${literalList(allowedDirectories)}`);
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
  } finally {
    setup.closeSync();
  }
  return instance;
}
