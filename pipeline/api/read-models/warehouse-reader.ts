// Read-only access to <workspace>/warehouse.duckdb for previews, the SQL console, quality,
// lineage and analytics. The file is opened lazily, sealed (no file access outside the lake, no
// configuration changes), bounded (a memory limit and a cap on what it may spill), and let go when
// idle or while a run writes to it: DuckDB allows one writer per file, and the pipeline (in this
// process or the CLI) must be able to take it.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literalList } from '../../duckdb/sql.ts';
import { ApiError } from '../errors.ts';

const IDLE_CLOSE_MS = 10_000;

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

/** Opens a DuckDB (a file read-only, or in memory) that can read only inside `allowedDirectories`. */
async function openSealed(path: string, allowedDirectories: string[], limits: ReaderLimits): Promise<DuckDBInstance> {
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
    // Sealed before any user SQL can run: reads stay inside the allowed folders, and SET cannot undo it.
    if (allowedDirectories.length) await setup.run(`SET allowed_directories = ${literalList(allowedDirectories)}`);
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
  } finally {
    setup.closeSync();
  }
  return instance;
}

export class WarehouseReader {
  private instance: Promise<DuckDBInstance> | null = null;
  private inFlight = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private blockedBy: string | null = null;

  constructor(
    readonly path: string,
    /** folders queries may still read (the lake), e.g. for views over Parquet */
    private readonly allowedDirectories: string[],
    private readonly limits: ReaderLimits,
    /** the workspace lock a pipeline run holds (pipeline/run/lock.ts) */
    private readonly lockFile?: string,
  ) {}

  /** A run in another process (claims run, a schedule) that holds the workspace, if any. */
  private externalRun(): string | null {
    if (!this.lockFile || !existsSync(this.lockFile)) return null;
    try {
      const holder = JSON.parse(readFileSync(this.lockFile, 'utf8')) as { pid?: number; what?: string };
      if (typeof holder.pid !== 'number' || holder.pid === process.pid) return null;
      process.kill(holder.pid, 0);
      return holder.what ?? `process ${holder.pid}`;
    } catch (err) {
      // EPERM: the holder is alive but not ours to signal; anything else: no live holder
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'another process' : null;
    }
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Closes the file and refuses reads until unblock(); called when a run starts writing. */
  async block(reason: string): Promise<void> {
    this.blockedBy = reason;
    await this.closeWhenIdle(true);
  }

  unblock(): void {
    this.blockedBy = null;
  }

  get blocked(): string | null {
    return this.blockedBy;
  }

  /** Runs fn on a fresh connection to the warehouse. */
  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.blockedBy) {
      throw new ApiError('unavailable', `The warehouse is busy: ${this.blockedBy}.`, { hint: 'It is readable again as soon as the stage finishes.' });
    }
    if (!this.exists()) {
      throw new ApiError('unavailable', 'No pipeline run yet: there is no warehouse in this workspace.', { hint: 'Run the pipeline to load the warehouse.' });
    }
    const external = this.externalRun();
    // Only a run writes the warehouse; generating data holds the lock too but never touches it.
    if (external && /\brun\b/.test(external)) {
      await this.closeWhenIdle(false);
      throw new ApiError('unavailable', `The warehouse is busy: ${external} is running.`, { hint: 'It is readable again as soon as that run ends.' });
    }
    this.inFlight++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    let conn: DuckDBConnection | undefined;
    try {
      conn = await (await this.open()).connect();
      return await fn(conn);
    } finally {
      conn?.closeSync();
      this.inFlight--;
      if (this.inFlight === 0) this.idleTimer = setTimeout(() => void this.closeWhenIdle(false), IDLE_CLOSE_MS);
    }
  }

  private open(): Promise<DuckDBInstance> {
    this.instance ??= (async () => {
      try {
        return await openSealed(this.path, this.allowedDirectories, this.limits);
      } catch (err) {
        this.instance = null;
        const message = (err as Error).message;
        if (/lock/i.test(message)) {
          throw new ApiError('unavailable', 'The warehouse is locked by another process (a pipeline run from the CLI?).', { hint: 'Try again when that run has finished.', cause: err });
        }
        throw new ApiError('unavailable', `The warehouse could not be opened: ${message}`, { cause: err });
      }
    })();
    return this.instance;
  }

  private async closeWhenIdle(force: boolean): Promise<void> {
    if (!this.instance || (!force && this.inFlight > 0)) return;
    const pending = this.instance;
    this.instance = null;
    try {
      (await pending).closeSync();
    } catch {
      // a failed open has nothing to close
    }
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.closeWhenIdle(true);
  }
}

/**
 * An in-memory DuckDB for reading generated files and the lake (CSV, Parquet), sealed like the
 * warehouse reader: it reads only inside the folders it is given, and its settings are locked.
 */
export class FileReader {
  private instance: Promise<DuckDBInstance> | null = null;

  constructor(
    private readonly allowedDirectories: string[],
    private readonly limits: ReaderLimits,
  ) {}

  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
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

  async close(): Promise<void> {
    if (this.instance) (await this.instance).closeSync();
    this.instance = null;
  }
}
