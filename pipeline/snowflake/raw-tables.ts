// The tables of schema RAW on Snowflake, statement for statement as Glue job 2 creates them
// (glue/hfc_glue/snowflake_sql.py prepare_sql): unquoted names, so stored upper case; the
// contract's columns, its derived columns and the lineage columns, in that order; the pipeline's
// bookkeeping tables. Deploy creates them ahead of the first load so that the masking policies can
// be set on their PII columns; the job's CREATE TABLE IF NOT EXISTS then finds them as it would
// have made them. pipeline/snowflake/raw-tables.test.ts compares this text with the job's.

import { ENTITY_ORDER } from '../contract-loader/load.ts';
import type { Contract, ContractSet, PiiTag } from '../contract-loader/types.ts';
import { plainName } from './names.ts';

const SIMPLE: Record<string, string> = {
  string: 'VARCHAR',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP_NTZ',
  double: 'FLOAT',
};

export function snowflakeType(contractType: string): string {
  const simple = SIMPLE[contractType];
  if (simple) return simple;
  const m = /^decimal\((\d+),(\d+)\)$/.exec(contractType);
  if (!m) throw new Error(`Contract type "${contractType}" has no Snowflake type.`);
  return `NUMBER(${m[1]},${m[2]})`;
}

export const LINEAGE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['_batch_id', 'INTEGER'],
  ['_loaded_at', 'TIMESTAMP_NTZ'],
  ['_source_file', 'VARCHAR'],
  ['_source_line', 'BIGINT'],
];

export const AUDIT_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['batch_id', 'INTEGER'],
  ['dataset', 'VARCHAR'],
  ['txn', 'VARCHAR'],
  ['raw_rows', 'BIGINT'],
  ['duplicates_removed', 'BIGINT'],
  ['quarantined_rows', 'BIGINT'],
  ['curated_rows', 'BIGINT'],
  ['loaded_rows', 'BIGINT'],
  ['loaded_at', 'TIMESTAMP_NTZ'],
];

export const QUARANTINE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['batch_id', 'INTEGER'],
  ['dataset', 'VARCHAR'],
  ['source_file', 'VARCHAR'],
  ['line_number', 'BIGINT'],
  ['reason', 'VARCHAR'],
  ['reason_detail', 'VARCHAR'],
  ['original_values', 'VARCHAR'],
  ['quarantined_at', 'TIMESTAMP_NTZ'],
];

export const DUPLICATES_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['batch_id', 'INTEGER'],
  ['dataset', 'VARCHAR'],
  ['source_file', 'VARCHAR'],
  ['line_number', 'BIGINT'],
  ['duplicate_of_line', 'BIGINT'],
];

export interface RawColumn {
  name: string;
  type: string;
  /** the contract's PII tag; the bookkeeping tables' columns have none */
  pii: PiiTag | null;
}

/** Columns of a loaded table: contract columns, derived columns, lineage. */
export function entityColumns(c: Contract): RawColumn[] {
  return [
    ...c.columns.map((col) => ({ name: col.name, type: snowflakeType(col.type), pii: col.pii })),
    ...(c.derived ?? []).map((d) => ({ name: d.name, type: snowflakeType(d.type), pii: null })),
    ...LINEAGE_COLUMNS.map(([name, type]) => ({ name, type, pii: null })),
  ];
}

export interface RawTable {
  /** the product's name (lower case), e.g. `claims` */
  name: string;
  columns: RawColumn[];
}

const plain = (cols: ReadonlyArray<readonly [string, string]>): RawColumn[] => cols.map(([name, type]) => ({ name, type, pii: null }));

/** Every table of RAW, in the order the job creates them. */
export function rawTables(contracts: ContractSet): RawTable[] {
  return [
    ...ENTITY_ORDER.map((name) => ({ name, columns: entityColumns(contracts.byName.get(name)!) })),
    { name: 'quarantine', columns: plain(QUARANTINE_COLUMNS) },
    { name: 'duplicates', columns: plain(DUPLICATES_COLUMNS) },
    { name: 'batch_audit', columns: plain(AUDIT_COLUMNS) },
  ];
}

/** CREATE TABLE IF NOT EXISTS DB.RAW.NAME (COL TYPE, ...), as the job writes it. */
export function createRawTableSql(database: string, schema: string, t: RawTable): string {
  const target = `${plainName(database, 'Database')}.${plainName(schema, 'Schema')}.${plainName(t.name, 'Table')}`;
  return `CREATE TABLE IF NOT EXISTS ${target} (${t.columns.map((c) => `${plainName(c.name, 'Column')} ${c.type}`).join(', ')})`;
}
