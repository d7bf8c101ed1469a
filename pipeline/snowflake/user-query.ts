// One statement a person typed, on Snowflake: exactly one SELECT (WITH ... SELECT included), or its
// plan (EXPLAIN USING TEXT, built here from the checked SELECT). Two locks: the statement-type rule
// below refuses anything else before it is sent, and the session runs as the read-only role that
// deploy creates (SELECT only), so what the rule might miss the account refuses. The result is
// streamed and reading stops at the row and byte caps; the caller's signal cancels the statement.

import { errorPosition as duckdbStyleErrorPosition } from '../duckdb/user-query.ts';
import { CappedRows } from '../warehouse/result-caps.ts';
import { UserQueryError, type UserQueryLimits, type UserQueryResult } from '../warehouse/reader.ts';
import type { SnowflakeSession } from './connection.ts';
import { SnowflakeError } from './errors.ts';

/** The text with comments, string literals and quoted identifiers blanked (same length, same lines). */
export function blankLiterals(sql: string): string {
  let out = '';
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < sql.length) {
    const two = sql.slice(i, i + 2);
    let end = -1;
    if (two === '--' || two === '//') end = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (two === '/*') end = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    else if (two === '$$') end = sql.indexOf('$$', i + 2) < 0 ? sql.length : sql.indexOf('$$', i + 2) + 2;
    else if (sql[i] === "'" || sql[i] === '"') {
      const q = sql[i]!;
      let j = i + 1;
      while (j < sql.length) {
        if (q === "'" && sql[j] === '\\') j += 2;
        else if (sql[j] === q && sql[j + 1] === q) j += 2;
        else if (sql[j] === q) break;
        else j++;
      }
      end = Math.min(sql.length, j + 1);
      // keep the quotes so that words on either side stay apart
      out += q + blank(sql.slice(i + 1, end - 1)) + (end - 1 > i ? sql[end - 1] : '');
      i = end;
      continue;
    }
    if (end >= 0) {
      out += blank(sql.slice(i, end));
      i = end;
      continue;
    }
    out += sql[i];
    i++;
  }
  return out;
}

const REFUSED = 'The console runs queries only (SELECT or WITH \u2026 SELECT); it reads Snowflake with a read-only role.';
const REFUSED_HINT = 'For a query plan, use Explain. Change data through the pipeline: edit the dbt models and run transform.';

/** The SELECT of the text (without a trailing `;`), or a UserQueryError saying why not. */
export function checkSelect(sql: string): string {
  const plain = blankLiterals(sql);
  const statements = plain.split(';').map((s, i, all) => ({ s, i, last: i === all.length - 1 })).filter((p) => p.s.trim() !== '');
  if (statements.length === 0) throw new UserQueryError('There is no statement to run.');
  if (statements.length > 1) throw new UserQueryError(`Run one statement at a time (found ${statements.length}).`, undefined, 'Select the statement you want, or remove the others.');
  const body = plain.trim().replace(/;\s*$/, '');
  const first = /^\(*\s*([A-Za-z]+)/.exec(body)?.[1]?.toUpperCase();
  let ok = first === 'SELECT';
  if (first === 'WITH') {
    // the CTEs are `name AS (...)` separated by commas; the first closing parenthesis at depth 0
    // that no comma follows ends them, and the statement itself comes next
    let depth = 0;
    let lastClose = -1;
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '(') depth++;
      else if (body[i] === ')' && --depth === 0 && !/^\s*,/.test(body.slice(i + 1))) {
        lastClose = i;
        break;
      }
    }
    const after = /^\s*([A-Za-z]+)/.exec(body.slice(lastClose + 1))?.[1]?.toUpperCase();
    ok = lastClose > 0 && after === 'SELECT';
  }
  // SYSTEM$ functions can act (cancel queries, abort sessions), whatever a SELECT around them says
  if (ok && /\bSYSTEM\$/i.test(body)) {
    throw new UserQueryError('The console does not call SYSTEM$ functions.', undefined, REFUSED_HINT);
  }
  if (!ok) throw new UserQueryError(REFUSED, undefined, REFUSED_HINT);
  return sql.trim().replace(/;\s*$/, '');
}

/** Where Snowflake says the error is ("... line 2 at position 7 ..."), or DuckDB-style under the emulator. */
export function errorPosition(sql: string, message: string): { line: number; column: number; offset: number } | undefined {
  const m = /line (\d+) at position (\d+)/i.exec(message);
  if (m) {
    const line = Number(m[1]);
    const column = Number(m[2]) + 1;
    const lines = sql.split('\n');
    if (line < 1 || line > lines.length) return undefined;
    const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
    return { line, column, offset };
  }
  return duckdbStyleErrorPosition(sql, message);
}

export async function runUserQuery(s: SnowflakeSession, sql: string, limits: UserQueryLimits): Promise<UserQueryResult> {
  const select = checkSelect(sql);
  const text = limits.explain ? `EXPLAIN USING TEXT ${select}` : select;
  let streamed;
  try {
    streamed = await s.stream(text, [], { signal: limits.signal });
  } catch (err) {
    if (limits.signal.aborted) throw limits.signal.reason;
    if (err instanceof SnowflakeError) {
      // Snowflake's own words (the typed error's message adds the product's framing)
      const said = ((err.cause as Error | undefined)?.message ?? err.message).split('\n').slice(0, 2).join(' ');
      if (limits.explain) throw new UserQueryError(`Explain failed: ${said}`, undefined, 'Explain runs EXPLAIN USING TEXT on the SELECT; the query itself may still run.', { cause: err });
      throw new UserQueryError(said, errorPosition(select, said), undefined, { cause: err });
    }
    throw err;
  }
  const capped = new CappedRows(limits);
  const onAbort = () => {
    streamed.cancel();
    streamed.rows.destroy();
  };
  limits.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const raw of streamed.rows as AsyncIterable<unknown[]>) {
      if (!capped.take(raw.map((v, i) => streamed.readers[i]!(v)))) break;
    }
  } catch (err) {
    if (limits.signal.aborted) throw limits.signal.reason;
    throw new UserQueryError(`Reading the result failed: ${(err as Error).message}`, undefined, undefined, { cause: err });
  } finally {
    limits.signal.removeEventListener('abort', onAbort);
    if (capped.cutBy !== null) streamed.rows.destroy();
  }
  if (limits.signal.aborted) throw limits.signal.reason;
  return { columns: streamed.columns, rows: capped.rows, truncated: capped.cutBy !== null, cutBy: capped.cutBy };
}
