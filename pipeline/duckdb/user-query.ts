// One statement a person typed, on DuckDB: exactly one SELECT (WITH ... SELECT included) and
// nothing else, or its plan (the EXPLAIN is built here from the checked SELECT, never ANALYZE,
// which would run its statement). The result is streamed and reading stops at a row cap and a byte
// cap, so a huge result is never materialised in this process. Errors carry the position DuckDB
// reported, for the editor.

import { JsonDuckDBValueConverter, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { CappedRows } from '../warehouse/result-caps.ts';
import { UserQueryError, type ColumnInfo, type Json, type UserQueryLimits, type UserQueryResult } from '../warehouse/reader.ts';

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

function sqlError(sql: string, err: unknown): UserQueryError {
  const message = (err as Error).message;
  return new UserQueryError(firstLine(message), errorPosition(sql, message), undefined, { cause: err });
}

/** The user's text as exactly one SELECT, prepared; anything else is refused before it runs. */
async function prepareSelect(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let statements;
  try {
    statements = await conn.extractStatements(sql);
  } catch (err) {
    throw sqlError(sql, err);
  }
  if (statements.count === 0) throw new UserQueryError('There is no statement to run.');
  if (statements.count > 1) throw new UserQueryError(`Run one statement at a time (found ${statements.count}).`, undefined, 'Select the statement you want, or remove the others.');
  let prepared;
  try {
    prepared = await statements.prepare(0);
  } catch (err) {
    throw sqlError(sql, err);
  }
  if (prepared.statementType !== StatementType.SELECT) {
    throw new UserQueryError(
      'The console runs queries only (SELECT or WITH … SELECT); the warehouse is opened read-only.',
      undefined,
      'For a query plan, use Explain. Change data through the pipeline: edit the dbt models and run transform.',
    );
  }
  return prepared;
}

export async function runUserQuery(conn: DuckDBConnection, sql: string, limits: UserQueryLimits): Promise<UserQueryResult> {
  const onAbort = () => conn.interrupt();
  limits.signal.addEventListener('abort', onAbort);
  try {
    let prepared = await prepareSelect(conn, sql);
    if (limits.explain) {
      prepared = await conn.prepare(`EXPLAIN ${sql}`);
      if (prepared.statementType !== StatementType.EXPLAIN) throw new UserQueryError('Explain works on one SELECT statement.');
    }
    const result = await prepared.stream();
    const columns: ColumnInfo[] = result.columnNames().map((name, i) => ({ name, type: result.columnTypes()[i]!.toString() }));
    const capped = new CappedRows(limits);
    // row by row out of each chunk: a chunk of very wide rows is never turned into JavaScript at once
    reading: for await (const chunk of result) {
      for (let r = 0; r < chunk.rowCount; r++) {
        if (!capped.take(chunk.convertRowValues(r, JsonDuckDBValueConverter) as Json[])) break reading;
      }
    }
    return { columns, rows: capped.rows, truncated: capped.cutBy !== null, cutBy: capped.cutBy };
  } catch (err) {
    if (limits.signal.aborted) throw limits.signal.reason;
    if (err instanceof UserQueryError) throw err;
    throw sqlError(sql, err);
  } finally {
    limits.signal.removeEventListener('abort', onAbort);
  }
}
