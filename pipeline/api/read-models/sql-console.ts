// The SQL console: one query against the warehouse. The warehouse connection is already read-only,
// sealed and memory-bounded (warehouse-reader.ts); this adds the rest of what the console promises:
// - SELECT (WITH ... SELECT included) and nothing else. EXPLAIN is offered as a flag: the server
//   builds `EXPLAIN <the user's select>` itself, never EXPLAIN ANALYZE, which runs its statement.
// - the result is streamed and reading stops at a row cap and a byte cap, so a huge result is never
//   materialised in this process
// - at most two console queries at a time, each with a time limit that says so in words
// - error positions the editor can point at

import { JsonDuckDBValueConverter, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { ColumnInfo, Json, SqlResult } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

export const SQL_ROW_CAP = 10_000;
export const SQL_BYTE_CAP = 16 * 1024 * 1024;
export const SQL_TIME_LIMIT_MS = 60_000;
export const SQL_MAX_CONCURRENT = 2;

/**
 * Where DuckDB says the error is. Its messages quote the line ("LINE 3: ...") with a caret under
 * the spot; long lines are shown as a window, so the quoted text is found in the statement.
 */
export function errorPosition(sql: string, message: string): { line: number; column: number; offset: number } | undefined {
  const lines = message.split('\n');
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (at < 0) return undefined;
  const m = /^LINE (\d+): (.*)$/.exec(lines[at]!)!;
  const lineNo = Number(m[1]);
  const prefix = lines[at]!.length - m[2]!.length;
  const caret = lines[at + 1]?.indexOf('^') ?? -1;
  if (caret < 0) return undefined;
  const sqlLines = sql.split('\n');
  const target = sqlLines[lineNo - 1];
  if (target === undefined) return undefined;
  let shown = m[2]!;
  let shift = caret - prefix;
  if (shown.startsWith('...')) {
    shown = shown.slice(3);
    shift -= 3;
  }
  if (shown.endsWith('...')) shown = shown.slice(0, -3);
  const start = target.indexOf(shown.slice(0, Math.max(1, Math.min(shown.length, 40))));
  const column = Math.max(0, Math.min(target.length, (start < 0 ? 0 : start) + shift));
  const offset = sqlLines.slice(0, lineNo - 1).reduce((n, l) => n + l.length + 1, 0) + column;
  return { line: lineNo, column: column + 1, offset };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function sqlError(sql: string, err: unknown): ApiError {
  const message = (err as Error).message;
  return new ApiError('sql_error', firstLine(message), { position: errorPosition(sql, message), cause: err });
}

/** The user's text as exactly one SELECT, prepared; anything else is refused before it runs. */
async function prepareSelect(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let statements;
  try {
    statements = await conn.extractStatements(sql);
  } catch (err) {
    throw sqlError(sql, err);
  }
  if (statements.count === 0) throw new ApiError('sql_error', 'There is no statement to run.');
  if (statements.count > 1) throw new ApiError('sql_error', `Run one statement at a time (found ${statements.count}).`, { hint: 'Select the statement you want, or remove the others.' });
  let prepared;
  try {
    prepared = await statements.prepare(0);
  } catch (err) {
    throw sqlError(sql, err);
  }
  if (prepared.statementType !== StatementType.SELECT) {
    throw new ApiError('sql_error', 'The console runs queries only (SELECT or WITH … SELECT); the warehouse is opened read-only.', {
      hint: 'For a query plan, use Explain. Change data through the pipeline: edit the dbt models and run transform.',
    });
  }
  return prepared;
}

const jsonBytes = (value: Json) => Buffer.byteLength(JSON.stringify(value));

/** JSON size of a value as the reply will carry it, and the value cut to fit a byte budget. */
function fit(value: Json, budget: number): { value: Json; bytes: number; cut: boolean } {
  const bytes = jsonBytes(value);
  if (bytes <= budget) return { value, bytes, cut: false };
  if (typeof value !== 'string') return { value: null, bytes: 4, cut: true };
  // keep as much of a long text's head as fits: enough to see what it is
  let keep = Math.max(0, budget - 16);
  let head = `${value.slice(0, keep)}…`;
  for (let tries = 0; tries < 8 && jsonBytes(head) > budget; tries++) {
    keep = Math.max(0, Math.floor((keep * budget) / jsonBytes(head)) - 16);
    head = `${value.slice(0, keep)}…`;
  }
  return { value: head, bytes: jsonBytes(head), cut: true };
}

export class SqlConsole {
  private running = 0;

  constructor(
    private readonly warehouse: WarehouseReader,
    private readonly timeLimitMs = SQL_TIME_LIMIT_MS,
  ) {}

  async query(req: { sql: string; limit?: number; explain?: boolean }): Promise<SqlResult> {
    if (this.running >= SQL_MAX_CONCURRENT) {
      throw new ApiError('conflict', `${SQL_MAX_CONCURRENT} console queries are already running.`, { hint: 'Wait for one of them to finish.' });
    }
    this.running++;
    try {
      return await this.warehouse.use((conn) => this.run(conn, req));
    } finally {
      this.running--;
    }
  }

  private async run(conn: DuckDBConnection, req: { sql: string; limit?: number; explain?: boolean }): Promise<SqlResult> {
    const limit = Math.min(req.limit ?? SQL_ROW_CAP, SQL_ROW_CAP);
    const started = performance.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, this.timeLimitMs);
    try {
      let prepared = await prepareSelect(conn, req.sql);
      if (req.explain) {
        // built here from a statement already known to be one SELECT: never ANALYZE, which would run it
        prepared = await conn.prepare(`EXPLAIN ${req.sql}`);
        if (prepared.statementType !== StatementType.EXPLAIN) throw new ApiError('sql_error', 'Explain works on one SELECT statement.');
      }
      const result = await prepared.stream();
      const columns: ColumnInfo[] = result.columnNames().map((name, i) => ({ name, type: result.columnTypes()[i]!.toString() }));
      const rows: Json[][] = [];
      let bytes = 2;
      let truncated: SqlResult['truncated'] = false;
      let cut: SqlResult['cutBy'] = null;
      // row by row out of each chunk: a chunk of very wide rows is never turned into JavaScript at once
      reading: for await (const chunk of result) {
        for (let r = 0; r < chunk.rowCount; r++) {
          if (rows.length === limit) {
            truncated = true;
            cut = 'rows';
            break reading;
          }
          const row: Json[] = [];
          let rowBytes = 3;
          for (const value of chunk.convertRowValues(r, JsonDuckDBValueConverter) as Json[]) {
            const f = fit(value, SQL_BYTE_CAP - bytes - rowBytes);
            row.push(f.value);
            rowBytes += f.bytes + 1;
            if (f.cut) {
              truncated = true;
              cut = 'bytes';
            }
          }
          rows.push(row);
          bytes += rowBytes;
          if (cut === 'bytes' || bytes >= SQL_BYTE_CAP) {
            truncated = true;
            cut = 'bytes';
            break reading;
          }
        }
      }
      return { columns, rows, truncated, cutBy: cut, limit, byteCap: SQL_BYTE_CAP, ms: Math.round(performance.now() - started) };
    } catch (err) {
      if (timedOut) throw new ApiError('sql_error', `The query ran longer than the console's limit of ${this.timeLimitMs / 1000} seconds and was stopped.`, { hint: 'Narrow it with a WHERE clause or a LIMIT, or aggregate first.', cause: err });
      if (err instanceof ApiError) throw err;
      throw sqlError(req.sql, err);
    } finally {
      clearTimeout(timer);
    }
  }
}
