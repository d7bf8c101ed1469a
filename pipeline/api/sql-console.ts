// The SQL console: one read-only statement against the warehouse. The warehouse connection is
// already read-only and sealed (warehouse-reader.ts); this adds the one-statement, query-only rule,
// a row cap, a time limit, and error positions the editor can point at.

import { StatementType } from '@duckdb/node-api';
import type { ColumnInfo, Json, SqlResult } from './contract.ts';
import { ApiError } from './errors.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

export const SQL_DEFAULT_LIMIT = 10_000;
const SQL_TIME_LIMIT_MS = 60_000;
const ALLOWED = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

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

export async function runConsoleQuery(warehouse: WarehouseReader, sql: string, limit = SQL_DEFAULT_LIMIT): Promise<SqlResult> {
  return warehouse.use(async (conn) => {
    const started = performance.now();
    const timer = setTimeout(() => conn.interrupt(), SQL_TIME_LIMIT_MS);
    try {
      let statements;
      try {
        statements = await conn.extractStatements(sql);
      } catch (err) {
        const message = (err as Error).message;
        throw new ApiError('sql_error', firstLine(message), { position: errorPosition(sql, message), cause: err });
      }
      if (statements.count === 0) throw new ApiError('sql_error', 'There is no statement to run.');
      if (statements.count > 1) throw new ApiError('sql_error', `Run one statement at a time (found ${statements.count}).`, { hint: 'Select the statement you want, or remove the others.' });
      let prepared;
      try {
        prepared = await statements.prepare(0);
      } catch (err) {
        const message = (err as Error).message;
        throw new ApiError('sql_error', firstLine(message), { position: errorPosition(sql, message), cause: err });
      }
      if (!ALLOWED.has(prepared.statementType)) {
        throw new ApiError('sql_error', `The console runs queries only (SELECT, WITH, EXPLAIN); the warehouse is opened read-only.`, {
          hint: 'Change data through the pipeline: edit the dbt models and run transform.',
        });
      }
      let reader;
      try {
        reader = await prepared.runAndReadUntil(limit + 1);
      } catch (err) {
        const message = (err as Error).message;
        throw new ApiError('sql_error', firstLine(message), { position: errorPosition(sql, message), cause: err });
      }
      const columns: ColumnInfo[] = reader.columnNames().map((name, i) => ({ name, type: reader.columnTypes()[i]!.toString() }));
      const all = reader.getRowsJson() as Json[][];
      const truncated = all.length > limit || !reader.done;
      const rows = all.length > limit ? all.slice(0, limit) : all;
      return { columns, rows, truncated, limit, ms: Math.round(performance.now() - started) };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const message = (err as Error).message;
      if (/INTERRUPT/i.test(message)) throw new ApiError('sql_error', `The query ran longer than ${SQL_TIME_LIMIT_MS / 1000}s and was stopped.`, { cause: err });
      throw new ApiError('sql_error', firstLine(message), { position: errorPosition(sql, message), cause: err });
    } finally {
      clearTimeout(timer);
    }
  });
}
