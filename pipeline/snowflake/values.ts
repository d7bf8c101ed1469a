// Values as the driver hands them back, turned into the JSON the readers return (reader.ts: numbers
// beyond 2^53, decimals and dates as strings, as the DuckDB reader gives them). Numbers and dates
// are fetched as text (fetchAsString) so nothing is rounded on the way; this decides per column.

import type { Column } from 'snowflake-sdk';
import type { ColumnInfo, Json } from '../warehouse/reader.ts';

/** fetch these as strings: exact decimals and integers, dates and timestamps as Snowflake formats them */
export const FETCH_AS_STRING = ['Number', 'Date'] as ('Number' | 'Date')[];

/** The column's type as Snowflake SQL writes it. */
export function columnType(c: Column): string {
  const t = c.getType().toUpperCase();
  if (t === 'FIXED') return c.getScale() > 0 ? `NUMBER(${c.getPrecision()},${c.getScale()})` : 'NUMBER';
  if (t === 'REAL') return 'FLOAT';
  if (t === 'TEXT') return 'VARCHAR';
  return t;
}

export function columnInfo(c: Column, name: string): ColumnInfo {
  return { name, type: columnType(c) };
}

export type ValueReader = (value: unknown) => Json;

/** How one column's values become JSON. */
export function valueReader(c: Column): ValueReader {
  const t = c.getType().toUpperCase();
  if (t === 'FIXED' && c.getScale() === 0) {
    return (v) => {
      if (v === null || v === undefined) return null;
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : String(v);
    };
  }
  if (t === 'REAL') return (v) => (v === null || v === undefined ? null : Number(v));
  if (t === 'BINARY') return (v) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : String(v));
  if (t === 'VARIANT' || t === 'OBJECT' || t === 'ARRAY') return (v) => (v === undefined ? null : (v as Json));
  if (t === 'TIME') return (v) => (v === null || v === undefined || v === 'NULL' ? null : String(v));
  if (t === 'BOOLEAN') return (v) => (v === null || v === undefined ? null : Boolean(v));
  return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : String(v));
}
