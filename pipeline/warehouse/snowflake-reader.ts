// The cloud warehouse's read side: Snowflake, for the same read models as the local one (catalog,
// dataset pages, analytics, quality, history, the SQL console). It reads as the read-only role
// deploy creates (SELECT only, PII columns masked), through one session opened on first use.
// Names are folded (pipeline/snowflake/names.ts): RAW.CLAIMS is raw.claims here, and result
// columns come back in lower case, so a read model's SQL and keys are the same on both warehouses.
// Pages are keyset (pipeline/snowflake/keyset.ts). A load does not block reads (Glue job 2
// commits one transaction), so releaseForWriter only notes the writer.

import { SnowflakeSession, type SessionEvent } from '../snowflake/connection.ts';
import { SnowflakeError, SnowflakeLoginError, SnowflakeObjectMissingError } from '../snowflake/errors.ts';
import { KeysetPager } from '../snowflake/keyset.ts';
import { fold, stored } from '../snowflake/names.ts';
import { countRelation, profileRelation, quote, type SnowflakeRelation } from '../snowflake/relation-queries.ts';
import { snowflakeLocation, type SnowflakeSettings } from '../snowflake/settings.ts';
import { runUserQuery } from '../snowflake/user-query.ts';
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

/** Layers in the order a person reads them: loaded data first, dbt's layers after. */
const LAYER_ORDER = ['raw', 'staging', 'intermediate', 'core', 'marts', 'snapshots'];
/** how long an availability answer is trusted before it is asked again */
const AVAILABILITY_TTL_MS = 30_000;
export const DEFAULT_READER_ROLE = 'HFC_READER';

export interface SnowflakeReaderOptions {
  /** the role reads run as (default: settings.objects.readerRole, else HFC_READER) */
  role?: string;
  /** pages deeper than this many rows are refused (default 10 million) */
  maxPageDepth?: number;
  /** rows per keyset window (default keyset.ts WINDOW); deeper pages seek from a cached boundary */
  pageWindow?: number;
  env?: NodeJS.ProcessEnv;
  onEvent?: (e: SessionEvent) => void;
}

/** A catalog type as the product shows it: NUMBER(p,s), VARCHAR, TIMESTAMP_NTZ, ... */
function catalogType(dataType: string, precision: Json, scale: Json): string {
  const t = dataType.toUpperCase();
  if (t === 'NUMBER' || t === 'DECIMAL' || t === 'NUMERIC') return Number(scale ?? 0) > 0 ? `NUMBER(${Number(precision)},${Number(scale)})` : 'NUMBER';
  if (t === 'TEXT') return 'VARCHAR';
  return t;
}

export class SnowflakeWarehouseReader implements WarehouseReader {
  readonly dialect = 'snowflake' as const;
  readonly location: string;
  private session: Promise<SnowflakeSession> | null = null;
  private state: ReaderAvailability = { available: false, why: 'missing', reason: 'The Snowflake warehouse has not been checked yet.', hint: 'It is checked on the first read.' };
  private checkedAt = 0;
  private checking: Promise<ReaderAvailability> | null = null;
  private writer: string | null = null;
  private readonly pager: KeysetPager;
  private readonly role: string;

  constructor(
    private readonly settings: SnowflakeSettings,
    private readonly options: SnowflakeReaderOptions = {},
  ) {
    this.location = snowflakeLocation(settings);
    this.role = options.role ?? settings.objects?.readerRole ?? DEFAULT_READER_ROLE;
    this.pager = new KeysetPager(options.maxPageDepth ?? 10_000_000, options.pageWindow);
  }

  /** A reader whose availability has been asked once. */
  static async open(settings: SnowflakeSettings, options: SnowflakeReaderOptions = {}): Promise<SnowflakeWarehouseReader> {
    const reader = new SnowflakeWarehouseReader(settings, options);
    await reader.refresh();
    return reader;
  }

  /** The last answer; asks again in the background once it is older than 30 s. */
  availability(): ReaderAvailability {
    if (Date.now() - this.checkedAt > AVAILABILITY_TTL_MS) void this.refresh().catch(() => undefined);
    return this.state;
  }

  /** Asks Snowflake whether the database and its RAW schema exist (and whether the login works). */
  refresh(): Promise<ReaderAvailability> {
    this.checking ??= this.probe().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async probe(): Promise<ReaderAvailability> {
    const db = stored(this.settings.database);
    const raw = stored(this.settings.schemas.raw);
    let next: ReaderAvailability;
    try {
      const s = await this.open();
      // SHOW answers for objects that do not exist too (an empty list), unlike a qualified SELECT
      const dbs = await s.objects('SHOW DATABASES');
      if (!dbs.some((r) => r.name === db)) {
        next = { available: false, why: 'missing', reason: `Snowflake database ${db} does not exist yet (or role ${this.role} cannot see it).`, hint: 'Run `claims deploy` for this profile, then a pipeline run to load it.' };
      } else {
        const schemas = await s.objects(`SHOW SCHEMAS IN DATABASE ${quote(db)}`);
        next = schemas.some((r) => r.name === raw)
          ? { available: true }
          : { available: false, why: 'missing', reason: `Snowflake schema ${db}.${raw} does not exist yet.`, hint: 'Run `claims deploy` for this profile, then a pipeline run to load it.' };
      }
    } catch (err) {
      if (!(err instanceof SnowflakeError)) throw err;
      next = { available: false, why: 'missing', reason: err.message, hint: err.hint };
    }
    this.state = this.writer && next.available ? this.state : next;
    this.checkedAt = Date.now();
    return next;
  }

  private open(): Promise<SnowflakeSession> {
    this.session ??= SnowflakeSession.open(this.settings, { role: this.role, env: this.options.env, onEvent: this.options.onEvent }).catch((err: unknown) => {
      this.session = null;
      throw err;
    });
    return this.session;
  }

  /** Runs fn on the session; a missing database or schema, or a failed login, marks the warehouse unavailable. */
  private async use<T>(fn: (s: SnowflakeSession) => Promise<T>): Promise<T> {
    // an unavailable answer is asked again at once: deploy or a first load may have happened since
    const now = this.state.available ? this.state : await this.refresh();
    if (!now.available) throw new WarehouseUnavailableError(now.reason, now.hint);
    try {
      let s = await this.open();
      if (!s.isUp()) {
        this.session = null;
        s = await this.open();
      }
      return await fn(s);
    } catch (err) {
      if (err instanceof SnowflakeLoginError) {
        this.state = { available: false, why: 'missing', reason: err.message, hint: err.hint };
        throw new WarehouseUnavailableError(err.message, err.hint, { cause: err });
      }
      if (err instanceof SnowflakeObjectMissingError) void this.refresh().catch(() => undefined);
      throw err;
    }
  }

  async releaseForWriter(reason: string): Promise<void> {
    this.writer = reason;
  }

  resumeAfterWriter(): void {
    this.writer = null;
  }

  async query(sql: string, params: QueryParam[] = []): Promise<QueryResult> {
    return this.use(async (s) => {
      const r = await s.execute(sql, params);
      return { columns: r.columns, rows: r.rows };
    });
  }

  async queryObjects(sql: string, params: QueryParam[] = []): Promise<Record<string, Json>[]> {
    return this.use((s) => s.objects(sql, params));
  }

  private infoSchema(view: 'TABLES' | 'COLUMNS'): string {
    return `${quote(stored(this.settings.database))}."INFORMATION_SCHEMA".${quote(view)}`;
  }

  async tables(): Promise<WarehouseTable[]> {
    const rows = await this.queryObjects(
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ROW_COUNT, COMMENT FROM ${this.infoSchema('TABLES')}
       WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    );
    const rank = (schema: string) => (LAYER_ORDER.includes(schema) ? LAYER_ORDER.indexOf(schema) : LAYER_ORDER.length);
    return rows
      .map((r) => ({
        schema: fold(String(r.table_schema)),
        table: fold(String(r.table_name)),
        kind: String(r.table_type).includes('VIEW') ? ('view' as const) : ('table' as const),
        rows: r.row_count === null || r.row_count === undefined ? null : Number(r.row_count),
        comment: r.comment === null || r.comment === undefined || r.comment === '' ? null : String(r.comment),
      }))
      .sort((a, b) => rank(a.schema) - rank(b.schema));
  }

  /** The catalog's names for a ref: the upper-case identifier, or the name as given where only that exists. */
  private async catalogName(s: SnowflakeSession, ref: TableRef): Promise<{ schema: string; table: string; kind: 'table' | 'view' } | null> {
    const r = await s.objects(`SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM ${this.infoSchema('TABLES')} WHERE TABLE_SCHEMA IN (?, ?) AND TABLE_NAME IN (?, ?)`, [
      stored(ref.schema),
      ref.schema,
      stored(ref.table),
      ref.table,
    ]);
    const pick = r.find((x) => x.table_schema === stored(ref.schema) && x.table_name === stored(ref.table)) ?? r.find((x) => fold(String(x.table_schema)) === ref.schema && fold(String(x.table_name)) === ref.table);
    return pick ? { schema: String(pick.table_schema), table: String(pick.table_name), kind: String(pick.table_type).includes('VIEW') ? 'view' : 'table' } : null;
  }

  private async columnsOf(s: SnowflakeSession, schema: string, table: string): Promise<{ info: ColumnInfo; stored: string }[]> {
    const rows = await s.objects(
      `SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, COMMENT FROM ${this.infoSchema('COLUMNS')} WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [schema, table],
    );
    return rows.map((r) => ({
      stored: String(r.column_name),
      info: { name: fold(String(r.column_name)), type: catalogType(String(r.data_type), r.numeric_precision ?? null, r.numeric_scale ?? null), ...(r.comment ? { description: String(r.comment) } : {}) },
    }));
  }

  async columns(ref: TableRef): Promise<ColumnInfo[]> {
    return this.use(async (s) => {
      const name = await this.catalogName(s, ref);
      return name ? (await this.columnsOf(s, name.schema, name.table)).map((c) => c.info) : [];
    });
  }

  private async relation(s: SnowflakeSession, ref: TableRef): Promise<{ rel: SnowflakeRelation; catalog: { database: string; schema: string; table: string } }> {
    const name = await this.catalogName(s, ref);
    if (!name) throw new UnknownRelationError(ref);
    const cols = await this.columnsOf(s, name.schema, name.table);
    const database = stored(this.settings.database);
    return {
      rel: { sql: `${quote(database)}.${quote(name.schema)}.${quote(name.table)}`, kind: name.kind, columns: cols.map((c) => c.info), stored: new Map(cols.map((c) => [c.info.name, c.stored])) },
      catalog: { database, schema: name.schema, table: name.table },
    };
  }

  page(ref: TableRef, query: PageQuery): Promise<Json[][]> {
    return this.use(async (s) => {
      const { rel, catalog } = await this.relation(s, ref);
      return this.pager.page(s, rel, catalog, query);
    });
  }

  count(ref: TableRef, filters?: Filter[]): Promise<number> {
    return this.use(async (s) => countRelation(s, (await this.relation(s, ref)).rel, filters));
  }

  profile(ref: TableRef, column: string, filters?: Filter[]): Promise<ColumnProfile> {
    return this.use(async (s) => profileRelation(s, (await this.relation(s, ref)).rel, column, filters));
  }

  userQuery(sql: string, limits: UserQueryLimits): Promise<UserQueryResult> {
    return this.use((s) => runUserQuery(s, sql, limits));
  }

  async close(): Promise<void> {
    const pending = this.session;
    this.session = null;
    if (pending) await (await pending.catch(() => null))?.close();
  }
}
