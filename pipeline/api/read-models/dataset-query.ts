// Paging, sorting, filtering and profiling a dataset, all pushed down to DuckDB. Column names are
// checked against the dataset's real columns and quoted; filter values are bound parameters.

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { ident } from '../../duckdb/sql.ts';
import type { ColumnInfo, ColumnProfile, Filter, Json, PageRequest, PageResult, SortKey } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import type { Catalog, ResolvedDataset } from './catalog.ts';

const NUMERIC_CONTRACT = /^(integer|bigint|double|decimal\(\d+,\d+\))$/;
const TEMPORAL_CONTRACT = /^(date|timestamp)$/;
const SAMPLE_ABOVE = 1_000_000;
const SAFE_TYPE = /^[A-Z0-9_(), ]+$/i;
const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/i;
const TEMPORAL_TYPE = /^(DATE|TIMESTAMP.*|TIME)$/i;

function column(columns: ColumnInfo[], name: string, path: string): ColumnInfo {
  const c = columns.find((col) => col.name === name);
  if (!c) throw new ApiError('invalid_request', `Unknown column "${name}".`, { details: [{ path, message: `not a column of this dataset` }] });
  return c;
}

/** The expression a column is compared and sorted by: raw text columns with a typed contract are cast. */
function typedExpr(c: ColumnInfo): { expr: string; type: string } {
  const q = ident(c.name);
  if (/^VARCHAR$/i.test(c.type) && c.contractType) {
    if (NUMERIC_CONTRACT.test(c.contractType)) return { expr: `TRY_CAST(${q} AS DOUBLE)`, type: 'DOUBLE' };
    if (TEMPORAL_CONTRACT.test(c.contractType)) return { expr: `TRY_CAST(${q} AS ${c.contractType.toUpperCase()})`, type: c.contractType.toUpperCase() };
  }
  return { expr: q, type: c.type };
}

export function whereClause(columns: ColumnInfo[], filters: Filter[] = [], params: DuckDBValue[] = []): { sql: string; params: DuckDBValue[] } {
  const parts: string[] = [];
  filters.forEach((f, i) => {
    const c = column(columns, f.column, `filters.${i}.column`);
    const q = ident(c.name);
    const bind = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    const needValue = () => {
      if (f.value === undefined) throw new ApiError('invalid_request', `Filter on ${c.name}: "${f.op}" needs a value.`, { details: [{ path: `filters.${i}.value`, message: 'required for this operator' }] });
      return f.value;
    };
    switch (f.op) {
      case 'null':
        parts.push(`${q} IS NULL`);
        break;
      case 'notnull':
        parts.push(`${q} IS NOT NULL`);
        break;
      case 'contains':
        parts.push(`contains(lower(CAST(${q} AS VARCHAR)), lower(${bind(String(needValue()))}))`);
        break;
      case 'starts':
        parts.push(`starts_with(CAST(${q} AS VARCHAR), ${bind(String(needValue()))})`);
        break;
      default: {
        const op = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
        const value = needValue();
        const typed = typedExpr(c);
        if (/^VARCHAR$/i.test(typed.type) || !SAFE_TYPE.test(typed.type)) {
          parts.push(`CAST(${q} AS VARCHAR) ${op} ${bind(String(value))}`);
        } else {
          // A value that is not of the column's type is an error the user should see, not an empty page.
          parts.push(`${typed.expr} ${op} CAST(${bind(String(value))} AS ${typed.type})`);
        }
      }
    }
  });
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function orderClause(columns: ColumnInfo[], sort: SortKey[] = [], tieBreak = ''): string {
  if (!sort.length) return '';
  const keys = sort.map((s, i) => {
    const c = column(columns, s.column, `sort.${i}.column`);
    const dir = s.dir === 'desc' ? 'DESC' : 'ASC';
    const typed = typedExpr(c);
    // a typed sort of raw text keeps unparseable values together at the end, then by their text
    return typed.expr === ident(c.name) ? `${typed.expr} ${dir} NULLS LAST` : `${typed.expr} ${dir} NULLS LAST, ${ident(c.name)} ${dir}`;
  });
  return `ORDER BY ${keys.join(', ')}${tieBreak ? `, ${tieBreak}` : ''}`;
}

async function rowsOf(conn: DuckDBConnection, sql: string, params: DuckDBValue[]): Promise<Json[][]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getRowsJson() as Json[][];
}

async function scalar(conn: DuckDBConnection, sql: string, params: DuckDBValue[]): Promise<number> {
  const reader = await conn.runAndReadAll(sql, params);
  return Number(reader.getRowsJson()[0]?.[0] ?? 0);
}

function asFilterError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  const message = (err as Error).message.split('\n')[0] ?? String(err);
  if (/Conversion Error|Could not convert|invalid input syntax/i.test(message)) {
    throw new ApiError('invalid_request', `A filter value does not fit its column: ${message}`, { hint: 'Compare numbers with numbers and dates as YYYY-MM-DD.' });
  }
  throw err;
}

/** Counts are cached per dataset and filter: scrolling asks for many pages of the same result. */
export class CountCache {
  private readonly counts = new Map<string, number>();
  get(key: string) {
    return this.counts.get(key);
  }
  set(key: string, n: number) {
    if (this.counts.size > 200) this.counts.clear();
    this.counts.set(key, n);
  }
  clear() {
    this.counts.clear();
  }
}

/** Types whose order DuckDB can compare with a bound constant (and prune row groups on). */
const THRESHOLD_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|VARCHAR|BOOLEAN)$/i;
/** Past this many rows the bound is rarely selective enough to pay for finding it. */
const THRESHOLD_WINDOW = 100_000;

/**
 * For a sorted page of a warehouse table: the value of the first sort key at the page's last row,
 * found with a top-N over that one column. Every row of the page lies on the near side of it, so
 * it becomes a filter DuckDB pushes into the scan, skipping row groups by their min/max, and the
 * full rows are sorted for only the few that pass. Without it DuckDB sorts whole rows of the whole
 * table to return 200 of them.
 */
async function sortBound(conn: DuckDBConnection, ds: ResolvedDataset, where: { sql: string; params: DuckDBValue[] }, sort: SortKey[], window: number): Promise<{ sql: string; value: string } | null> {
  const key = sort[0];
  if (!key || ds.engine !== 'warehouse' || window > THRESHOLD_WINDOW) return null;
  const c = ds.columns.find((col) => col.name === key.column);
  if (!c || !THRESHOLD_TYPE.test(c.type)) return null;
  const q = ident(c.name);
  const desc = key.dir === 'desc';
  const n = where.params.length;
  const r = (
    await conn.runAndReadAll(
      `SELECT CAST(${desc ? 'min' : 'max'}(k) AS VARCHAR) AS t, count(*) - count(k) AS nulls
       FROM (SELECT ${q} AS k FROM ${ds.relation} ${where.sql} ORDER BY ${q} ${desc ? 'DESC' : 'ASC'} NULLS LAST LIMIT $${n + 1})`,
      [...where.params, window],
    )
  ).getRowObjectsJson()[0];
  if (!r || r.t === null) return null;
  // nulls sort last, so they are on the page only when the window reaches them
  const sql = `(${q} ${desc ? '>=' : '<='} CAST($${n + 1} AS ${c.type})${Number(r.nulls) > 0 ? ` OR ${q} IS NULL` : ''})`;
  return { sql, value: String(r.t) };
}

export async function readPage(catalog: Catalog, counts: CountCache, req: PageRequest): Promise<PageResult> {
  const ds = await catalog.resolve(req.ref);
  const where = whereClause(ds.columns, req.filters);
  // rowid breaks ties, so that rows with equal keys keep their place from page to page
  const order = orderClause(ds.columns, req.sort, ds.hasRowid ? 'rowid' : '');
  const started = performance.now();
  const countKey = JSON.stringify([req.ref, req.filters ?? []]);
  try {
    return await catalog.use(ds, async (conn) => {
      const bound = order ? await sortBound(conn, ds, where, req.sort ?? [], req.offset + req.limit) : null;
      const params = [...where.params];
      let filter = where.sql;
      if (bound) {
        params.push(bound.value);
        filter = `${filter ? `${filter} AND` : 'WHERE'} ${bound.sql}`;
      }
      const n = params.length;
      const rows = await rowsOf(conn, `SELECT * FROM ${ds.relation} ${filter} ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, req.limit, req.offset]);
      let total = counts.get(countKey);
      if (total === undefined) {
        total = await scalar(conn, `SELECT count(*) FROM ${ds.relation} ${where.sql}`, where.params);
        counts.set(countKey, total);
      }
      return { columns: ds.columns, rows, offset: req.offset, total, ms: Math.round(performance.now() - started) };
    });
  } catch (err) {
    return asFilterError(err);
  }
}

export async function profileColumn(catalog: Catalog, req: { ref: PageRequest['ref']; column: string; filters?: Filter[] }): Promise<ColumnProfile> {
  const ds: ResolvedDataset = await catalog.resolve(req.ref);
  const c = column(ds.columns, req.column, 'column');
  const where = whereClause(ds.columns, req.filters);
  const q = ident(c.name);
  const typed = typedExpr(c);
  const started = performance.now();
  const isRawTyped = typed.expr !== q;
  const numeric = NUMERIC_TYPE.test(typed.type);
  const temporal = TEMPORAL_TYPE.test(typed.type);
  try {
    return await catalog.use(ds, async (conn) => {
      const base = `SELECT ${q} AS v, ${typed.expr} AS t FROM ${ds.relation} ${where.sql}`;
      const stats = (
        await conn.runAndReadAll(
          `SELECT count(*) AS rows, count(*) - count(v) AS nulls, approx_count_distinct(v) AS distinct_values,
             ${isRawTyped ? 'count(v) - count(t)' : '0'} AS unparseable,
             ${numeric || temporal ? 'min(t)' : 'min(v)'} AS min_value, ${numeric || temporal ? 'max(t)' : 'max(v)'} AS max_value
           FROM (${base})`,
          where.params,
        )
      ).getRowObjectsJson()[0]!;
      const top = (
        await conn.runAndReadAll(`SELECT v, count(*) AS n FROM (${base}) WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT 10`, where.params)
      ).getRowsJson();
      let histogram: ColumnProfile['histogram'] = null;
      // Beyond a million rows the distribution is drawn from a 10% block sample: the counts above
      // stay exact, the shape of the histogram does not need every row.
      const sampled = Number(stats.rows) > SAMPLE_ABOVE;
      if ((numeric || temporal) && stats.min_value !== null) {
        // 20 equal-width bins between the 1st and 99th percentiles, so one outlier does not squash
        // the rest into a single bar; values beyond them count in the end bins
        const x = temporal ? 'epoch(t)' : 't::DOUBLE';
        const rows = (
          await conn.runAndReadAll(
            `WITH vals AS (SELECT ${x} AS x FROM (${base}) WHERE t IS NOT NULL${sampled ? ' USING SAMPLE 10 PERCENT (system)' : ''}),
                  b AS (SELECT quantile_cont(x, 0.01) AS lo, quantile_cont(x, 0.99) AS hi FROM vals)
             SELECT greatest(0, least(19, floor((x - lo) / nullif((hi - lo) / 20, 0))))::INTEGER AS bin, count(*) AS n, any_value(lo) AS lo, any_value(hi) AS hi
             FROM vals, b GROUP BY bin ORDER BY bin`,
            where.params,
          )
        ).getRowObjectsJson();
        if (rows.length) {
          const lo = Number(rows[0]!.lo);
          const hi = Number(rows[0]!.hi);
          const width = (hi - lo) / 20;
          const counts = new Array<number>(width === 0 ? 1 : 20).fill(0);
          for (const r of rows) counts[r.bin === null ? 0 : Number(r.bin)] = Number(r.n);
          const edge = (v: number): Json => (temporal ? new Date(v * 1000).toISOString().slice(0, 10) : Math.round(v * 100) / 100);
          histogram = counts.map((count, i) => ({ from: edge(lo + i * width), to: edge(width === 0 ? hi : lo + (i + 1) * width), count }));
        }
      }
      return {
        column: c.name,
        type: c.type,
        ...(c.contractType ? { contractType: c.contractType } : {}),
        rows: Number(stats.rows),
        nulls: Number(stats.nulls),
        distinct: Number(stats.distinct_values),
        unparseable: Number(stats.unparseable),
        min: stats.min_value as Json,
        max: stats.max_value as Json,
        top: top.map((r) => ({ value: r[0] as Json, count: Number(r[1]) })),
        histogram,
        histogramSampled: histogram !== null && sampled,
        ms: Math.round(performance.now() - started),
      };
    });
  } catch (err) {
    return asFilterError(err);
  }
}
