// The local warehouse's read side: <workspace>/warehouse.duckdb for previews, the SQL console,
// quality, lineage and analytics. The file is opened lazily, sealed (no file access at all, no
// configuration changes), bounded (a memory limit and a cap on what it may spill), and let go when
// idle or while a run writes to it: DuckDB allows one writer per file, and the pipeline (in this
// process or the CLI) must be able to take it.

import { existsSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { countRelation, describeRelation, pageRelation, profileRelation, type DuckDBRelation } from '../duckdb/relation-queries.ts';
import { openSealed, type ReaderLimits } from '../duckdb/sealed.ts';
import { ident } from '../duckdb/sql.ts';
import { runUserQuery } from '../duckdb/user-query.ts';
import { workspaceHolder } from '../run/lock.ts';
import {
  UnknownRelationError,
  WarehouseUnavailableError,
  type ColumnInfo,
  type ColumnProfile,
  type Filter,
  type Json,
  type PageQuery,
  type QueryParam,
  type QueryResult,
  type ReaderAvailability,
  type TableRef,
  type UserQueryLimits,
  type UserQueryResult,
  type WarehouseReader,
  type WarehouseTable,
} from './reader.ts';

const IDLE_CLOSE_MS = 10_000;
/** Layers in the order a person reads them: loaded data first, dbt's layers after. */
const LAYER_ORDER = ['raw', 'staging', 'intermediate', 'core', 'marts', 'snapshots'];

export class DuckDBWarehouseReader implements WarehouseReader {
  readonly dialect = 'duckdb' as const;
  private instance: Promise<DuckDBInstance> | null = null;
  private inFlight = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private writer: string | null = null;

  constructor(
    /** the warehouse file */
    readonly location: string,
    private readonly limits: ReaderLimits,
    /** the workspace whose lock a pipeline run holds (pipeline/run/lock.ts) */
    private readonly workspace: string,
  ) {}

  availability(): ReaderAvailability {
    if (this.writer) return { available: false, why: 'busy', reason: `The warehouse is busy: ${this.writer}.`, hint: 'It is readable again as soon as the stage finishes.' };
    if (!existsSync(this.location)) return { available: false, why: 'missing', reason: 'No pipeline run yet: there is no warehouse in this workspace.', hint: 'Run the pipeline to load the warehouse.' };
    return { available: true };
  }

  async releaseForWriter(reason: string): Promise<void> {
    this.writer = reason;
    await this.closeWhenIdle(true);
  }

  resumeAfterWriter(): void {
    this.writer = null;
  }

  /** Runs fn on a fresh connection to the warehouse. */
  private async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const now = this.availability();
    if (!now.available) throw new WarehouseUnavailableError(now.reason, now.hint);
    // Only a run writes the warehouse; generating data holds the lock too but never touches it.
    const holder = workspaceHolder(this.workspace);
    if (holder && holder.kind === 'run' && holder.pid !== process.pid) {
      await this.closeWhenIdle(false);
      throw new WarehouseUnavailableError(`The warehouse is busy: ${holder.what} is running.`, 'It is readable again as soon as that run ends.');
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
    this.instance ??= openSealed(this.location, [], this.limits).catch((err: unknown) => {
      this.instance = null;
      const message = (err as Error).message;
      // DuckDB says so only in words: another process has the file open for writing
      if (/lock/i.test(message)) throw new WarehouseUnavailableError('The warehouse is locked by another process (a pipeline run from the CLI?).', 'Try again when that run has finished.', { cause: err });
      throw new WarehouseUnavailableError(`The warehouse could not be opened: ${message}`, undefined, { cause: err });
    });
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

  async query(sql: string, params: QueryParam[] = []): Promise<QueryResult> {
    return this.use(async (conn) => {
      const r = await conn.runAndReadAll(sql, params as DuckDBValue[]);
      return { columns: r.columnNames().map((name, i) => ({ name, type: r.columnTypes()[i]!.toString() })), rows: r.getRowsJson() as Json[][] };
    });
  }

  async queryObjects(sql: string, params: QueryParam[] = []): Promise<Record<string, Json>[]> {
    return this.use(async (conn) => (await conn.runAndReadAll(sql, params as DuckDBValue[])).getRowObjectsJson() as Record<string, Json>[]);
  }

  async tables(): Promise<WarehouseTable[]> {
    const rows = await this.queryObjects(`
      SELECT t.table_schema AS schema, t.table_name AS "table", t.table_type AS kind, d.estimated_size AS rows, coalesce(d.comment, v.comment) AS comment
      FROM information_schema.tables t
      LEFT JOIN duckdb_tables() d ON d.schema_name = t.table_schema AND d.table_name = t.table_name AND d.database_name = t.table_catalog
      LEFT JOIN duckdb_views() v ON v.schema_name = t.table_schema AND v.view_name = t.table_name AND v.database_name = t.table_catalog
      WHERE t.table_schema NOT IN ('information_schema', 'pg_catalog') AND t.table_catalog = current_database()
      ORDER BY t.table_schema, t.table_name`);
    const rank = (schema: string) => (LAYER_ORDER.includes(schema) ? LAYER_ORDER.indexOf(schema) : LAYER_ORDER.length);
    return rows
      .map((r) => ({
        schema: String(r.schema),
        table: String(r.table),
        kind: r.kind === 'BASE TABLE' ? ('table' as const) : ('view' as const),
        rows: r.rows === null ? null : Number(r.rows),
        comment: r.comment === null || r.comment === '' ? null : String(r.comment),
      }))
      .sort((a, b) => rank(a.schema) - rank(b.schema));
  }

  async columns(ref: TableRef): Promise<ColumnInfo[]> {
    const rows = await this.queryObjects(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database() ORDER BY ordinal_position`,
      [ref.schema, ref.table],
    );
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  /** The relation behind a ref, with what paging needs to know about it. */
  private async relation(conn: DuckDBConnection, ref: TableRef): Promise<DuckDBRelation> {
    const found = (
      await conn.runAndReadAll(`SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database()`, [ref.schema, ref.table])
    ).getRowsJson();
    if (!found.length) throw new UnknownRelationError(ref);
    const relation = `${ident(ref.schema)}.${ident(ref.table)}`;
    return { relation, columns: await describeRelation(conn, relation), hasRowid: found[0]![0] === 'BASE TABLE', inWarehouse: true };
  }

  page(ref: TableRef, query: PageQuery): Promise<Json[][]> {
    return this.use(async (conn) => pageRelation(conn, await this.relation(conn, ref), query));
  }

  count(ref: TableRef, filters?: Filter[]): Promise<number> {
    return this.use(async (conn) => countRelation(conn, await this.relation(conn, ref), filters));
  }

  profile(ref: TableRef, column: string, filters?: Filter[]): Promise<ColumnProfile> {
    return this.use(async (conn) => profileRelation(conn, await this.relation(conn, ref), column, filters));
  }

  userQuery(sql: string, limits: UserQueryLimits): Promise<UserQueryResult> {
    return this.use((conn) => runUserQuery(conn, sql, limits));
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.closeWhenIdle(true);
  }
}
