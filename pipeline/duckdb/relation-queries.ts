// Paging, sorting, filtering, counting and profiling one relation on DuckDB: a warehouse table, or
// files read through read_csv/read_parquet. Column names are checked against the relation's real
// columns and quoted; filter values are bound parameters. Both DuckDB readers (the warehouse's and
// the file reader) answer through these.

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { FilterValueError, UnknownColumnError, type ColumnInfo, type ColumnProfile, type Filter, type Json, type PageQuery, type SortKey } from '../warehouse/reader.ts';
import { ident } from './sql.ts';

/** A FROM-clause relation built only from discovered paths and catalog names, all quoted. */
export interface DuckDBRelation {
  relation: string;
  columns: ColumnInfo[];
  /** a stored table (not a view or a file): it has rowids, which make sorted paging cheap */
  hasRowid: boolean;
  /** a warehouse relation (not files): a bound on the first sort key prunes its row groups */
  inWarehouse: boolean;
}

const NUMERIC_CONTRACT = /^(integer|bigint|double|decimal\(\d+,\d+\))$/;
const TEMPORAL_CONTRACT = /^(date|timestamp)$/;
const SAMPLE_ABOVE = 1_000_000;
const SAFE_TYPE = /^[A-Z0-9_(), ]+$/i;
const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/i;
const TEMPORAL_TYPE = /^(DATE|TIMESTAMP.*|TIME)$/i;

function column(columns: ColumnInfo[], name: string, path: string): ColumnInfo {
  const c = columns.find((col) => col.name === name);
  if (!c) throw new UnknownColumnError(name, path);
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

function whereClause(columns: ColumnInfo[], filters: Filter[] = [], params: DuckDBValue[] = []): { sql: string; params: DuckDBValue[] } {
  const parts: string[] = [];
  filters.forEach((f, i) => {
    const c = column(columns, f.column, `filters.${i}.column`);
    const q = ident(c.name);
    const bind = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    const needValue = () => {
      if (f.value === undefined) throw new FilterValueError(`Filter on ${c.name}: "${f.op}" needs a value (filters.${i}.value).`);
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

/** DuckDB's own words for a value that does not convert: the only way it tells us (its errors are untyped). */
function asFilterError(err: unknown): never {
  const message = (err as Error).message?.split('\n')[0] ?? String(err);
  if (/Conversion Error|Could not convert|invalid input syntax/i.test(message)) throw new FilterValueError(`A filter value does not fit its column: ${message}`, { cause: err });
  throw err;
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
async function sortBound(conn: DuckDBConnection, ds: DuckDBRelation, where: { sql: string; params: DuckDBValue[] }, sort: SortKey[], window: number): Promise<{ sql: string; value: string } | null> {
  const key = sort[0];
  if (!key || !ds.inWarehouse || window > THRESHOLD_WINDOW) return null;
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

/** One page of the relation: filters and sort pushed down, rowid breaking ties on stored tables. */
export async function pageRelation(conn: DuckDBConnection, ds: DuckDBRelation, req: PageQuery): Promise<Json[][]> {
  const where = whereClause(ds.columns, req.filters);
  // rowid breaks ties, so that rows with equal keys keep their place from page to page
  const order = orderClause(ds.columns, req.sort, ds.hasRowid ? 'rowid' : '');
  try {
    const bound = order ? await sortBound(conn, ds, where, req.sort ?? [], req.offset + req.limit) : null;
    const params = [...where.params];
    let filter = where.sql;
    if (bound) {
      params.push(bound.value);
      filter = `${filter ? `${filter} AND` : 'WHERE'} ${bound.sql}`;
    }
    const n = params.length;
    return await rowsOf(conn, `SELECT * FROM ${ds.relation} ${filter} ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, req.limit, req.offset]);
  } catch (err) {
    return asFilterError(err);
  }
}

export async function countRelation(conn: DuckDBConnection, ds: DuckDBRelation, filters?: Filter[]): Promise<number> {
  const where = whereClause(ds.columns, filters);
  try {
    return await scalar(conn, `SELECT count(*) FROM ${ds.relation} ${where.sql}`, where.params);
  } catch (err) {
    return asFilterError(err);
  }
}

/** Column names and DuckDB types of a relation, as a SELECT over it sees them. */
export async function describeRelation(conn: DuckDBConnection, relation: string): Promise<ColumnInfo[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  return reader.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** Counts, distinct values, range, top values and a histogram of one column, on the filtered rows. */
export async function profileRelation(conn: DuckDBConnection, ds: DuckDBRelation, columnName: string, filters?: Filter[]): Promise<ColumnProfile> {
  const c = column(ds.columns, columnName, 'column');
  const where = whereClause(ds.columns, filters);
  const q = ident(c.name);
  const typed = typedExpr(c);
  const started = performance.now();
  const isRawTyped = typed.expr !== q;
  const numeric = NUMERIC_TYPE.test(typed.type);
  const temporal = TEMPORAL_TYPE.test(typed.type);
  try {
    {
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
    }
  } catch (err) {
    return asFilterError(err);
  }
}
