// Pages of a Snowflake relation by keyset, never by a deep OFFSET. The grid asks for rows by
// offset (it scrolls anywhere); here an offset maps onto a key boundary:
//
// - The order is total: the requested sort keys, then the first few other orderable columns (an
//   unsorted table reads in its leading columns' order, e.g. claim_id), then HASH over every column
//   as the last tiebreak (Snowflake has no rowid). Rows equal in all of them are interchangeable on
//   a page (distinct rows whose hashes, taken modulo 1e18, collide count as equal: ~5e-7 at a
//   million rows, and then only two rows at a window's edge can swap).
//   One hash instead of every column keeps the seek predicate a few levels deep: nested once per
//   column over a 40-column table it was too deep for the emulator's SQL translator.
// - The rows are cut into windows of WINDOW rows. A page inside the first window is a plain
//   LIMIT/OFFSET (an offset below WINDOW). For a deeper page the boundary of its window, the key
//   of the window's first row, is found once by one pass over the key columns only
//   (ROW_NUMBER and RANK over the order), together with the boundaries of the windows after it, and
//   cached for the relation, filters and sort. The page is then a seek: rows at or after the
//   boundary, in order, LIMIT the page, OFFSET at most WINDOW (plus rows equal to the boundary that
//   precede it, which RANK counts).
// - The cache is checked against the table's LAST_ALTERED and ROW_COUNT (views: kept a minute), so
//   a new load is never paged with old boundaries.
// - Pages deeper than maxDepth rows are refused with a hint to filter or sort instead.

import { createHash } from 'node:crypto';
import type { Filter, Json, PageQuery, SortKey } from '../warehouse/reader.ts';
import type { SnowflakeSession } from './connection.ts';
import { asFilterError, quote, resolveColumn, whereClause, type Bind, type Fragment, type SnowflakeRelation } from './relation-queries.ts';

export const WINDOW = 5_000;
/** boundaries computed past the requested window, for the pages a person scrolls to next */
const WINDOWS_AHEAD = 20;
const VIEW_CACHE_MS = 60_000;
const MAX_CACHED = 64;

/** The page asked for lies deeper than the reader pages (a filter or a sort gets there). */
export class PageTooDeepError extends Error {
  constructor(
    readonly offset: number,
    readonly maxDepth: number,
  ) {
    super(`Rows beyond ${maxDepth.toLocaleString('en-US')} of a sorted Snowflake relation are not paged (asked for row ${offset.toLocaleString('en-US')}).`);
    this.name = 'PageTooDeepError';
  }
}

interface KeyColumn {
  sql: string;
  type: string;
  desc: boolean;
}

/** How a key column's boundary value is read exactly as text, and bound back. */
function textOf(k: KeyColumn): { read: string; bind: string } {
  const t = k.type.toUpperCase();
  if (t.startsWith('TIMESTAMP_TZ') || t.startsWith('TIMESTAMP_LTZ')) return { read: `TO_VARCHAR(${k.sql}, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`, bind: `CAST(? AS ${t})` };
  if (t.startsWith('TIMESTAMP')) return { read: `TO_VARCHAR(${k.sql}, 'YYYY-MM-DD HH24:MI:SS.FF9')`, bind: `CAST(? AS ${t})` };
  if (t === 'DATE') return { read: `TO_VARCHAR(${k.sql}, 'YYYY-MM-DD')`, bind: 'CAST(? AS DATE)' };
  if (t === 'TIME') return { read: `TO_VARCHAR(${k.sql}, 'HH24:MI:SS.FF9')`, bind: 'CAST(? AS TIME)' };
  if (t === 'BINARY') return { read: `TO_VARCHAR(${k.sql}, 'HEX')`, bind: "TO_BINARY(?, 'HEX')" };
  if (t === 'FLOAT') return { read: k.sql, bind: 'CAST(? AS FLOAT)' };
  if (t === 'BOOLEAN') return { read: `CAST(${k.sql} AS VARCHAR)`, bind: 'CAST(? AS BOOLEAN)' };
  if (t.startsWith('NUMBER')) return { read: `CAST(${k.sql} AS VARCHAR)`, bind: `CAST(? AS ${t})` };
  return { read: k.sql, bind: '?' };
}

const ORDERABLE = /^(NUMBER|FLOAT|VARCHAR|BOOLEAN|DATE|TIME|TIMESTAMP|BINARY)/i;
/** other columns ordered by before the hash: enough for a table's natural reading order */
const LEADING_TIEBREAKS = 3;

/** The total order of a page: the sort asked for, the leading other columns, then a hash of the row. */
export function keyColumns(rel: SnowflakeRelation, sort: SortKey[] = []): KeyColumn[] {
  const keys: KeyColumn[] = sort.map((s, i) => {
    const c = resolveColumn(rel, s.column, `sort.${i}.column`);
    return { sql: c.sql, type: c.info.type, desc: s.dir === 'desc' };
  });
  const used = new Set(sort.map((s) => s.column));
  const others = rel.columns.filter((c) => !used.has(c.name) && ORDERABLE.test(c.type));
  for (const c of others.slice(0, LEADING_TIEBREAKS)) keys.push({ sql: quote(rel.stored.get(c.name)!), type: c.type, desc: false });
  if (others.length > LEADING_TIEBREAKS || others.length < rel.columns.length - used.size) {
    // the modulus keeps it inside a signed 64-bit integer on every engine (the emulator's hash is unsigned)
    keys.push({ sql: `MOD(HASH(${rel.columns.map((c) => quote(rel.stored.get(c.name)!)).join(', ')}), 1000000000000000000)`, type: 'NUMBER(38,0)', desc: false });
  }
  return keys;
}

export const orderBy = (keys: KeyColumn[]): string => `ORDER BY ${keys.map((k) => `${k.sql} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`;

/** rows at or after the boundary in the order (NULLS LAST in both directions) */
export function atOrAfter(keys: KeyColumn[], values: (string | null)[]): Fragment {
  const binds: Bind[] = [];
  // built from the last key outwards: gt_i OR (eq_i AND rest)
  let rest = 'TRUE';
  const parts: Fragment[] = [];
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    const v = values[i] ?? null;
    const b = textOf(k).bind;
    if (v === null) {
      // nothing sorts after NULL (NULLS LAST): only equal, i.e. also NULL
      rest = `(${k.sql} IS NULL AND ${rest})`;
      parts.unshift({ sql: '', binds: [] });
    } else {
      rest = `(${k.sql} ${k.desc ? '<' : '>'} ${b} OR ${k.sql} IS NULL OR (${k.sql} = ${b} AND ${rest}))`;
      parts.unshift({ sql: '', binds: [v, v] });
    }
  }
  // binds appear in text order: each non-null key contributes (gt, eq) before the keys after it
  for (const p of parts) binds.push(...p.binds);
  return { sql: rest, binds };
}

interface Boundary {
  values: (string | null)[];
  /** 1-based position of the first row equal to the boundary (RANK) */
  rank: number;
}

interface CacheEntry {
  version: string | null;
  at: number;
  /** boundary of window w (its first row at position w * WINDOW) */
  windows: Map<number, Boundary>;
  /** windows computed: 0..upTo; beyond the last row there is none */
  upTo: number;
}

export class KeysetPager {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly maxDepth: number,
    /** rows per window: boundaries are kept at every multiple of it */
    private readonly window: number = WINDOW,
  ) {}

  private async version(s: SnowflakeSession, rel: SnowflakeRelation, catalog: { database: string; schema: string; table: string }): Promise<string | null> {
    if (rel.kind === 'view') return null;
    const r = await s.execute(
      `SELECT CAST(LAST_ALTERED AS VARCHAR), ROW_COUNT FROM ${quote(catalog.database)}."INFORMATION_SCHEMA"."TABLES" WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
      [catalog.schema, catalog.table],
    );
    return r.rows[0] ? `${String(r.rows[0][0])}|${String(r.rows[0][1])}` : null;
  }

  async page(s: SnowflakeSession, rel: SnowflakeRelation, catalog: { database: string; schema: string; table: string }, q: PageQuery): Promise<Json[][]> {
    if (q.offset > this.maxDepth) throw new PageTooDeepError(q.offset, this.maxDepth);
    const keys = keyColumns(rel, q.sort);
    const where = whereClause(rel, q.filters);
    try {
      if (q.offset < this.window) {
        return (await s.execute(`SELECT * FROM ${rel.sql} ${where.sql} ${orderBy(keys)} LIMIT ? OFFSET ?`, [...where.binds, q.limit, q.offset])).rows;
      }
      const w = Math.floor(q.offset / this.window);
      const boundary = await this.boundary(s, rel, catalog, keys, where, q.filters, q.sort, w);
      if (!boundary) return [];
      const seek = atOrAfter(keys, boundary.values);
      const skip = q.offset - (boundary.rank - 1);
      const filter = where.sql ? `${where.sql} AND ${seek.sql}` : `WHERE ${seek.sql}`;
      return (await s.execute(`SELECT * FROM ${rel.sql} ${filter} ${orderBy(keys)} LIMIT ? OFFSET ?`, [...where.binds, ...seek.binds, q.limit, skip])).rows;
    } catch (err) {
      return asFilterError(err);
    }
  }

  private async boundary(
    s: SnowflakeSession,
    rel: SnowflakeRelation,
    catalog: { database: string; schema: string; table: string },
    keys: KeyColumn[],
    where: Fragment,
    filters: Filter[] | undefined,
    sort: SortKey[] | undefined,
    w: number,
  ): Promise<Boundary | null> {
    const id = createHash('sha256').update(JSON.stringify([rel.sql, filters ?? [], sort ?? []])).digest('hex');
    const version = await this.version(s, rel, catalog);
    let entry = this.cache.get(id);
    const stale = entry && (entry.version !== version || (rel.kind === 'view' && Date.now() - entry.at > VIEW_CACHE_MS));
    if (!entry || stale) {
      entry = { version, at: Date.now(), windows: new Map(), upTo: -1 };
      this.cache.set(id, entry);
      if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
    if (w > entry.upTo) {
      const upTo = w + WINDOWS_AHEAD;
      const read = keys.map((k, i) => `${textOf(k).read} AS K${i}`).join(', ');
      const order = orderBy(keys).slice('ORDER BY '.length);
      const rows = (
        await s.execute(
          `SELECT ${keys.map((_, i) => `K${i}`).join(', ')}, RN, RK FROM (
             SELECT ${read}, ROW_NUMBER() OVER (ORDER BY ${order}) AS RN, RANK() OVER (ORDER BY ${order}) AS RK FROM ${rel.sql} ${where.sql})
           WHERE RN <= ? AND MOD(RN - 1, ?) = 0 AND RN > ? ORDER BY RN`,
          [...where.binds, (upTo + 1) * this.window, this.window, (entry.upTo + 1) * this.window],
        )
      ).rows;
      for (const r of rows) {
        const rn = Number(r[keys.length]);
        entry.windows.set((rn - 1) / this.window, { values: r.slice(0, keys.length).map((v) => (v === null ? null : String(v))), rank: Number(r[keys.length + 1]) });
      }
      entry.upTo = upTo;
    }
    return entry.windows.get(w) ?? null;
  }
}
