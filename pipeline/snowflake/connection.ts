// The product's one way to Snowflake: a session of snowflake-sdk opened from SnowflakeSettings,
// with the login and every statement under a time limit (cancelled past it, on the server too:
// STATEMENT_TIMEOUT_IN_SECONDS goes with each statement), failures as typed errors (classify.ts),
// and nothing secret in what it reports: the options it describes pass through the product's
// redaction, the driver's log is scrubbed (log.ts), and events carry query ids and SQL text only
// (statements take their values as `?` binds).

import type { Readable } from 'node:stream';
import snowflake, { type Bind, type Column, type Connection, type ConnectionOptions, type RowStatement } from 'snowflake-sdk';
import type { Json } from '../warehouse/reader.ts';
import { loginError, statementError, type SessionContext } from './classify.ts';
import { SnowflakeStatementTimeoutError } from './errors.ts';
import { configureDriverLog, holdSecrets, releaseSecrets, safe } from './log.ts';
import { resolveAuth, secretValues, type ResolvedAuth } from './secrets.ts';
import { DEFAULT_LOGIN_TIMEOUT_SECONDS, DEFAULT_STATEMENT_TIMEOUT_SECONDS, snowflakeLocation, type SnowflakeSettings } from './settings.ts';
import { FETCH_AS_STRING, valueReader, columnInfo, type ValueReader } from './values.ts';
import { fold } from './names.ts';
import type { ColumnInfo } from '../warehouse/reader.ts';

/** What a session reports as it works: one event per statement, for the run's events and the app. */
export type SessionEvent =
  | { kind: 'login'; account: string; user: string; role: string; location: string; ms: number }
  | { kind: 'statement'; queryId: string | null; sql: string; ms: number; rows: number | null; ok: boolean; error?: string };

export interface SessionOptions {
  /** another role than the settings' (the app's reads use the deploy's read-only role) */
  role?: string;
  /** a database other than the settings' (none: the session starts without one) */
  database?: string | null;
  schema?: string;
  /** where secrets named by environment variable are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  onEvent?: (e: SessionEvent) => void;
  /** the browser SSO prompt: opens this URL (default: the driver opens the system browser) */
  openBrowser?: (url: string) => void;
}

export interface StatementOptions {
  /** seconds before the statement is cancelled (default: the settings' statement timeout) */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface StatementResult {
  queryId: string | null;
  columns: ColumnInfo[];
  rows: Json[][];
  /** rows inserted, updated or deleted (DML), else null */
  updated: number | null;
}

export interface StreamedStatement {
  queryId: () => string | null;
  columns: ColumnInfo[];
  readers: ValueReader[];
  rows: Readable;
  cancel: () => void;
}

const SQL_IN_EVENTS = 2_000;

/** Driver options for the settings and resolved secrets (also what `describe` shows, redacted). */
export function driverOptions(settings: SnowflakeSettings, auth: ResolvedAuth, o: Pick<SessionOptions, 'role' | 'database' | 'schema' | 'openBrowser'> = {}): ConnectionOptions {
  const endpoint = settings.endpoint ? ({ host: settings.endpoint.host, port: settings.endpoint.port, protocol: settings.endpoint.protocol } as Record<string, unknown>) : {};
  const database = o.database === undefined ? settings.database : o.database;
  return {
    account: settings.account,
    username: settings.user,
    role: o.role ?? settings.role,
    warehouse: settings.warehouse,
    ...(database ? { database } : {}),
    ...(o.schema ? { schema: o.schema } : {}),
    application: 'health_finance_claims',
    clientSessionKeepAlive: false,
    // a NULL fetched as a string would otherwise arrive as the text "NULL"
    representNullAsStringNull: false,
    authenticator: auth.authenticator,
    ...(auth.authenticator === 'SNOWFLAKE' ? { password: auth.password } : {}),
    ...(auth.authenticator === 'SNOWFLAKE_JWT' ? { privateKey: auth.privateKey } : {}),
    ...(auth.authenticator === 'EXTERNALBROWSER' && o.openBrowser ? { openExternalBrowserCallback: o.openBrowser } : {}),
    ...endpoint,
  } as ConnectionOptions;
}

export class SnowflakeSession {
  private closed = false;

  private constructor(
    private readonly conn: Connection,
    readonly settings: SnowflakeSettings,
    readonly context: SessionContext,
    private readonly secrets: string[],
    private readonly onEvent: ((e: SessionEvent) => void) | undefined,
  ) {}

  /** Logs in, within the login timeout; SnowflakeLoginError / SnowflakeSecretError otherwise. */
  static async open(settings: SnowflakeSettings, options: SessionOptions = {}): Promise<SnowflakeSession> {
    configureDriverLog();
    const auth = await resolveAuth(settings.auth, options.env);
    const secrets = secretValues(auth);
    const role = options.role ?? settings.role;
    const context: SessionContext = {
      account: settings.account,
      user: settings.user,
      role,
      warehouse: settings.warehouse,
      authenticator: auth.authenticator,
      ...(settings.endpoint ? { endpoint: `${settings.endpoint.protocol}://${settings.endpoint.host}:${settings.endpoint.port}` } : {}),
    };
    holdSecrets(secrets);
    const started = performance.now();
    let conn: Connection;
    try {
      conn = snowflake.createConnection(driverOptions(settings, auth, options));
    } catch (err) {
      releaseSecrets(secrets);
      throw loginError(err, context);
    }
    const seconds = settings.loginTimeoutSeconds ?? DEFAULT_LOGIN_TIMEOUT_SECONDS;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          conn.destroy(() => undefined);
          reject(loginError(new Error(`no answer within ${seconds} s`), context));
        }, seconds * 1000);
        const done = (err: unknown) => {
          clearTimeout(timer);
          if (err) reject(loginError(err, context));
          else resolve();
        };
        // the browser flow needs the asynchronous login; the others take either
        if (auth.authenticator === 'EXTERNALBROWSER') conn.connectAsync().then(() => done(undefined), done);
        else conn.connect((err) => done(err));
      });
    } catch (err) {
      releaseSecrets(secrets);
      throw err;
    }
    const session = new SnowflakeSession(conn, settings, context, secrets, options.onEvent);
    session.emit({ kind: 'login', account: settings.account, user: settings.user, role, location: snowflakeLocation(settings), ms: Math.round(performance.now() - started) });
    return session;
  }

  private emit(e: SessionEvent): void {
    if (this.onEvent) this.onEvent(safe(e));
  }

  private timeoutOf(o: StatementOptions): number {
    return o.timeoutSeconds ?? this.settings.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
  }

  /** Runs one statement and reads its whole result. */
  async execute(sql: string, binds: Bind[] = [], o: StatementOptions = {}): Promise<StatementResult> {
    const seconds = this.timeoutOf(o);
    const started = performance.now();
    let stmt: RowStatement | undefined;
    try {
      const result = await new Promise<StatementResult>((resolve, reject) => {
        const stop = this.guard(() => stmt, seconds, o.signal, reject);
        stmt = this.conn.execute({
          sqlText: sql,
          binds,
          rowMode: 'array',
          fetchAsString: FETCH_AS_STRING,
          parameters: { STATEMENT_TIMEOUT_IN_SECONDS: Math.ceil(seconds) },
          complete: (err, s, rows) => {
            stop();
            if (err) return reject(err);
            const cols = s.getColumns() ?? [];
            const readers = cols.map(valueReader);
            const updated = s.getNumUpdatedRows();
            resolve({
              queryId: s.getQueryId() ?? null,
              columns: cols.map((c) => columnInfo(c, fold(c.getName()))),
              rows: ((rows ?? []) as unknown[][]).map((r) => r.map((v, i) => readers[i]!(v))),
              updated: updated === undefined || updated < 0 ? null : updated,
            });
          },
        });
      });
      this.emit({ kind: 'statement', queryId: result.queryId, sql: sql.slice(0, SQL_IN_EVENTS), ms: Math.round(performance.now() - started), rows: result.updated ?? result.rows.length, ok: true });
      return result;
    } catch (err) {
      throw this.failed(err, sql, started, seconds, stmt, o.signal);
    }
  }

  /** Rows of one statement as objects keyed by the folded column names. */
  async objects(sql: string, binds: Bind[] = [], o: StatementOptions = {}): Promise<Record<string, Json>[]> {
    const r = await this.execute(sql, binds, o);
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]!])));
  }

  /** Runs one statement and hands its rows over as a stream (arrays, converted with `readers`). */
  async stream(sql: string, binds: Bind[] = [], o: StatementOptions = {}): Promise<StreamedStatement> {
    const seconds = this.timeoutOf(o);
    const started = performance.now();
    let stmt: RowStatement | undefined;
    try {
      const cols = await new Promise<Column[]>((resolve, reject) => {
        const stop = this.guard(() => stmt, seconds, o.signal, reject);
        stmt = this.conn.execute({
          sqlText: sql,
          binds,
          rowMode: 'array',
          streamResult: true,
          fetchAsString: FETCH_AS_STRING,
          parameters: { STATEMENT_TIMEOUT_IN_SECONDS: Math.ceil(seconds) },
          complete: (err, s) => {
            stop();
            if (err) reject(err);
            else resolve(s.getColumns() ?? []);
          },
        });
      });
      const s = stmt!;
      this.emit({ kind: 'statement', queryId: s.getQueryId() ?? null, sql: sql.slice(0, SQL_IN_EVENTS), ms: Math.round(performance.now() - started), rows: s.getNumRows() ?? null, ok: true });
      return {
        queryId: () => s.getQueryId() ?? null,
        columns: cols.map((c) => columnInfo(c, fold(c.getName()))),
        readers: cols.map(valueReader),
        rows: s.streamRows(),
        cancel: () => s.cancel(() => undefined),
      };
    } catch (err) {
      throw this.failed(err, sql, started, seconds, stmt, o.signal);
    }
  }

  /** The time limit and the caller's signal over one statement: either cancels it and rejects. */
  private guard(stmt: () => RowStatement | undefined, seconds: number, signal: AbortSignal | undefined, reject: (e: unknown) => void): () => void {
    const cancel = () => stmt()?.cancel(() => undefined);
    const timer = setTimeout(() => {
      cancel();
      reject(new SnowflakeStatementTimeoutError(seconds, stmt()?.getQueryId() ?? undefined));
    }, seconds * 1000);
    const onAbort = () => {
      cancel();
      reject(signal!.reason);
    };
    if (signal?.aborted) queueMicrotask(onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    return () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  private failed(err: unknown, sql: string, started: number, seconds: number, stmt: RowStatement | undefined, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted && err === signal.reason) return err;
    const typed = statementError(err, this.context, seconds);
    this.emit({ kind: 'statement', queryId: stmt?.getQueryId() ?? null, sql: sql.slice(0, SQL_IN_EVENTS), ms: Math.round(performance.now() - started), rows: null, ok: false, error: typed.message });
    return safe(typed.message) === typed.message ? typed : Object.assign(typed, { message: safe(typed.message) });
  }

  /** Whether the session can still run statements. */
  isUp(): boolean {
    return !this.closed && this.conn.isUp();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    releaseSecrets(this.secrets);
    await new Promise<void>((resolve) => this.conn.destroy(() => resolve()));
  }
}

/** What a session would be opened with, for people and logs: secrets redacted. */
export function describeSettings(settings: SnowflakeSettings): Record<string, unknown> {
  return safe({ ...settings, location: snowflakeLocation(settings) });
}
