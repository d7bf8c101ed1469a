// Filtering, sorting, counting and profiling one relation in Snowflake SQL, with `?` binds in text
// order. Column names come from the catalog (never from the request as typed) and are quoted;
// filter values are bound and cast to the column's type, so a value that does not fit is
// Snowflake's error, reported as a FilterValueError. Paging itself is keyset.ts.

import { FilterValueError, UnknownColumnError, type ColumnInfo, type ColumnProfile, type Filter, type Json } from '../warehouse/reader.ts';
import type { SnowflakeSession } from './connection.ts';
import { SnowflakeStatementError } from './errors.ts';

/** A relation of the warehouse as the reader resolved it. */
export interface SnowflakeRelation {
  /** "DB"."SCHEMA"."TABLE", quoted from the catalog's own names */
  sql: string;
  kind: 'table' | 'view';
  /** product names (folded) with the catalog's types */
  columns: ColumnInfo[];
  /** the catalog's own name of each column, by product name */
  stored: Map<string, string>;
}

export type Bind = string | number | boolean | null;

/** SQL text with its binds, in order. */
export interface Fragment {
  sql: string;
  binds: Bind[];
}

export const quote = (stored: string): string => `"${stored.replaceAll('"', '""')}"`;

export function resolveColumn(rel: SnowflakeRelation, name: string, path: string): { info: ColumnInfo; sql: string } {
  const info = rel.columns.find((c) => c.name === name);
  if (!info) throw new UnknownColumnError(name, path);
  return { info, sql: quote(rel.stored.get(name)!) };
}

const TEXT_LIKE = /^(VARCHAR|TEXT|STRING|CHAR|VARIANT|OBJECT|ARRAY|GEOGRAPHY|GEOMETRY)/i;
const NUMERIC = /^(NUMBER|DECIMAL|NUMERIC|INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT|FLOAT|DOUBLE|REAL)/i;
const TEMPORAL = /^(DATE|TIMESTAMP)/i;
/** types a bound text value can be cast to for a comparison */
const CASTABLE = /^(NUMBER(\(\d+,\d+\))?|FLOAT|DATE|TIME|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ|BOOLEAN)$/i;

/** WHERE for the filters (empty when there are none). */
export function whereClause(rel: SnowflakeRelation, filters: Filter[] = []): Fragment {
  const parts: string[] = [];
  const binds: Bind[] = [];
  filters.forEach((f, i) => {
    const { info, sql: q } = resolveColumn(rel, f.column, `filters.${i}.column`);
    const value = () => {
      if (f.value === undefined) throw new FilterValueError(`Filter on ${info.name}: "${f.op}" needs a value (filters.${i}.value).`);
      return f.value;
    };
    switch (f.op) {
      case 'null':
        parts.push(`${q} IS NULL`);
        return;
      case 'notnull':
        parts.push(`${q} IS NOT NULL`);
        return;
      case 'contains':
        binds.push(String(value()));
        parts.push(`CONTAINS(LOWER(CAST(${q} AS VARCHAR)), LOWER(?))`);
        return;
      case 'starts':
        binds.push(String(value()));
        parts.push(`STARTSWITH(CAST(${q} AS VARCHAR), ?)`);
        return;
      default: {
        const op = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
        binds.push(String(value()));
        // a value that does not fit the column's type is an error the user sees, not an empty page
        parts.push(TEXT_LIKE.test(info.type) || !CASTABLE.test(info.type) ? `CAST(${q} AS VARCHAR) ${op} ?` : `${q} ${op} CAST(? AS ${info.type})`);
      }
    }
  });
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', binds };
}

/** Snowflake's conversion errors (100038 numeric, 100040 date, 100035 timestamp, ...) as a filter error. */
export function asFilterError(err: unknown): never {
  if (err instanceof SnowflakeStatementError && (/^1000\d\d$/.test(err.code ?? '') || /is not recognized|Could not convert|Conversion Error|invalid input syntax|Can't parse/i.test(err.message))) {
    throw new FilterValueError(`A filter value does not fit its column: ${err.message}`, { cause: err });
  }
  throw err;
}

export async function countRelation(s: SnowflakeSession, rel: SnowflakeRelation, filters?: Filter[]): Promise<number> {
  const where = whereClause(rel, filters);
  try {
    const r = await s.execute(`SELECT COUNT(*) FROM ${rel.sql} ${where.sql}`, where.binds);
    return Number(r.rows[0]?.[0] ?? 0);
  } catch (err) {
    return asFilterError(err);
  }
}

const SAMPLE_ABOVE = 1_000_000;

/** Counts, distinct values, range, top values and a histogram of one column, on the filtered rows. */
export async function profileRelation(s: SnowflakeSession, rel: SnowflakeRelation, columnName: string, filters?: Filter[]): Promise<ColumnProfile> {
  const started = performance.now();
  const { info, sql: q } = resolveColumn(rel, columnName, 'column');
  const where = whereClause(rel, filters);
  const numeric = NUMERIC.test(info.type);
  const temporal = TEMPORAL.test(info.type);
  // VARIANT, OBJECT and ARRAY have no order: their range and top values are read as text
  const v = /^(VARIANT|OBJECT|ARRAY|GEOGRAPHY|GEOMETRY)/i.test(info.type) ? `CAST(${q} AS VARCHAR)` : q;
  const base = `SELECT ${v} AS V FROM ${rel.sql} ${where.sql}`;
  try {
    const [stats] = await s.objects(
      `SELECT COUNT(*) AS ROWS_N, COUNT(*) - COUNT(V) AS NULLS_N, APPROX_COUNT_DISTINCT(V) AS DISTINCT_N, MIN(V) AS MIN_V, MAX(V) AS MAX_V FROM (${base})`,
      where.binds,
    );
    const top = await s.execute(`SELECT V, COUNT(*) AS N FROM (${base}) WHERE V IS NOT NULL GROUP BY V ORDER BY N DESC, V LIMIT 10`, where.binds);
    const rows = Number(stats!.rows_n);
    const sampled = rows > SAMPLE_ABOVE;
    let histogram: ColumnProfile['histogram'] = null;
    if ((numeric || temporal) && stats!.min_v !== null) {
      // 20 equal-width bins between the 1st and 99th percentiles, so one outlier does not squash
      // the rest into one bar; values beyond them count in the end bins. Large relations are
      // sampled (10% of rows); every other figure stays exact.
      const x = temporal ? `DATE_PART(EPOCH_SECOND, ${q})` : `CAST(${q} AS DOUBLE)`;
      const from = sampled ? `${rel.sql} SAMPLE BERNOULLI (10)` : rel.sql;
      const bins = await s.objects(
        `WITH VALS AS (SELECT ${x} AS X FROM ${from} ${where.sql}),
              B AS (SELECT PERCENTILE_CONT(0.01) WITHIN GROUP (ORDER BY X) AS LO, PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY X) AS HI FROM VALS WHERE X IS NOT NULL)
         SELECT CAST(GREATEST(0, LEAST(19, FLOOR((X - LO) / NULLIF((HI - LO) / 20, 0)))) AS INTEGER) AS BIN, COUNT(*) AS N, ANY_VALUE(LO) AS LO, ANY_VALUE(HI) AS HI
         FROM VALS, B WHERE X IS NOT NULL GROUP BY BIN ORDER BY BIN`,
        where.binds,
      );
      if (bins.length) {
        const lo = Number(bins[0]!.lo);
        const hi = Number(bins[0]!.hi);
        const width = (hi - lo) / 20;
        const counts = new Array<number>(width === 0 ? 1 : 20).fill(0);
        for (const b of bins) counts[b.bin === null ? 0 : Number(b.bin)]! += Number(b.n);
        const edge = (e: number): Json => (temporal ? new Date(e * 1000).toISOString().slice(0, 10) : Math.round(e * 100) / 100);
        histogram = counts.map((count, i) => ({ from: edge(lo + i * width), to: edge(width === 0 ? hi : lo + (i + 1) * width), count }));
      }
    }
    return {
      column: info.name,
      type: info.type,
      ...(info.contractType ? { contractType: info.contractType } : {}),
      rows,
      nulls: Number(stats!.nulls_n),
      distinct: Number(stats!.distinct_n),
      unparseable: 0,
      min: stats!.min_v ?? null,
      max: stats!.max_v ?? null,
      top: top.rows.map((r) => ({ value: r[0] as Json, count: Number(r[1]) })),
      histogram,
      histogramSampled: histogram !== null && sampled,
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    return asFilterError(err);
  }
}
