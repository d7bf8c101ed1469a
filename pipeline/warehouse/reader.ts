// The read side of the warehouse, apart from loading: what the app's read models (catalog, dataset
// pages, analytics, quality, history, the SQL console) ask of it. DuckDB locally; in the cloud,
// Snowflake answers the same calls in its own SQL dialect, so a read model only ever writes the
// SQL it needs through `dialect`-specific helpers, never against a driver.

import type { Filter, PageQuery } from './query-shapes.ts';

export type { Filter, FilterOp, PageQuery, SortKey } from './query-shapes.ts';

/** JSON as a reader hands values back (numbers beyond 2^53, decimals and dates come as strings). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type SqlDialect = 'duckdb' | 'snowflake';

/** Positional parameters, written `?` in the SQL, in order. */
export type QueryParam = string | number | boolean | null;

export interface ColumnInfo {
  name: string;
  /** the column's type as the warehouse (or file reader) reports it */
  type: string;
  /** The contract type, when the dataset has a contract (files are read as text to show raw values). */
  contractType?: string;
  description?: string;
  /** personal data, masked for the caller (pipeline/api/pii): its values show as •••, a year or a pseudonym */
  masked?: boolean;
}

export interface QueryResult {
  columns: ColumnInfo[];
  rows: Json[][];
}

export interface TableRef {
  schema: string;
  table: string;
}

export interface WarehouseTable extends TableRef {
  kind: 'table' | 'view';
  /** rows when the warehouse knows them without a scan (statistics), else null */
  rows: number | null;
  comment: string | null;
}

export interface ColumnProfile {
  column: string;
  type: string;
  contractType?: string;
  rows: number;
  nulls: number;
  distinct: number;
  /** values present but not readable as the contract type (raw files are read as text) */
  unparseable: number;
  min: Json;
  max: Json;
  top: { value: Json; count: number }[];
  histogram: { from: Json; to: Json; count: number }[] | null;
  /** the histogram was drawn from a sample (large datasets); every other figure is exact */
  histogramSampled: boolean;
  ms: number;
  /** personal data, masked for the caller: counts only, no values (a key's top values as pseudonyms) */
  masked?: boolean;
}

/** What the SQL console gets back: rows until a cap, and which cap stopped it. */
export interface UserQueryResult extends QueryResult {
  truncated: boolean;
  cutBy: 'rows' | 'bytes' | null;
}

export interface UserQueryLimits {
  maxRows: number;
  maxBytes: number;
  /** aborted at the time limit: the reader stops the statement */
  signal: AbortSignal;
  /** the plan of the SELECT instead of its rows */
  explain?: boolean;
}

/** A query a person typed could not run: what the warehouse said, and where in the statement. */
export class UserQueryError extends Error {
  constructor(
    message: string,
    readonly position?: { line: number; column: number; offset: number },
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserQueryError';
  }
}

/** The warehouse cannot be read now: not built yet, busy with a writer, locked elsewhere. */
export class WarehouseUnavailableError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WarehouseUnavailableError';
  }
}

/** The warehouse has no relation of that name. */
export class UnknownRelationError extends Error {
  constructor(readonly ref: TableRef) {
    super(`There is no table ${ref.schema}.${ref.table} in the warehouse.`);
    this.name = 'UnknownRelationError';
  }
}

/** A page or profile named a column the relation does not have (`path` is the request field). */
export class UnknownColumnError extends Error {
  constructor(
    readonly column: string,
    readonly path: string,
  ) {
    super(`Unknown column "${column}".`);
    this.name = 'UnknownColumnError';
  }
}

/** A filter value that cannot be compared with its column (text against a number, a bad date). */
export class FilterValueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FilterValueError';
  }
}

/** missing: there is no warehouse yet; busy: a pipeline run is writing to it right now */
export type ReaderAvailability = { available: true } | { available: false; why: 'missing' | 'busy'; reason: string; hint?: string };

export interface WarehouseReader {
  readonly dialect: SqlDialect;
  /** where it reads, for people (a file path, an account and database) */
  readonly location: string;
  /** Whether there is a warehouse to read now, and if not, why. */
  availability(): ReaderAvailability;
  /** One read-only query of the app's own, with positional `?` parameters. */
  query(sql: string, params?: QueryParam[]): Promise<QueryResult>;
  /** The same, rows as objects keyed by column name. */
  queryObjects(sql: string, params?: QueryParam[]): Promise<Record<string, Json>[]>;
  /** Tables and views outside the system schemas, in layer order. */
  tables(): Promise<WarehouseTable[]>;
  /** Columns of one relation; empty when it does not exist. */
  columns(ref: TableRef): Promise<ColumnInfo[]>;
  /** A page of one relation, filtered and sorted in the warehouse. */
  page(ref: TableRef, query: PageQuery): Promise<Json[][]>;
  /** Rows of one relation that pass the filters. */
  count(ref: TableRef, filters?: Filter[]): Promise<number>;
  profile(ref: TableRef, column: string, filters?: Filter[]): Promise<ColumnProfile>;
  /** A statement a person typed: one SELECT, read-only, streamed until a cap. */
  userQuery(sql: string, limits: UserQueryLimits): Promise<UserQueryResult>;
  /** A pipeline run is about to write: let go of the warehouse and refuse reads until resumed. */
  releaseForWriter(reason: string): Promise<void>;
  resumeAfterWriter(): void;
  close(): Promise<void>;
}
