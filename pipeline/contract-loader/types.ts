// Types mirroring pipeline/contracts/schema/contract.schema.json. The JSON Schema is the authority;
// these types let the stages read a validated contract without casts.

export type ColumnType = string; // string | integer | bigint | boolean | date | timestamp | double | decimal(p,s)
export type PiiTag = 'none' | 'direct' | 'quasi' | 'health';
export type CaseRule = 'upper' | 'lower' | 'none';

export const QUARANTINE_REASONS = [
  'MALFORMED_ROW',
  'MISSING_REQUIRED',
  'INVALID_NUMBER',
  'INVALID_DATE',
  'INVALID_VALUE',
  'OUT_OF_RANGE',
  'ORPHAN_FOREIGN_KEY',
  'DUPLICATE_KEY',
  'INCONSISTENT_DATES',
  'INCONSISTENT_AMOUNTS',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export interface ColumnCleanse {
  trim?: boolean;
  case?: CaseRule;
  formats?: string[];
  strip_chars?: string;
}

export interface Column {
  name: string;
  type: ColumnType;
  nullable: boolean;
  description: string;
  pii: PiiTag;
  allowed_values?: string[];
  pattern?: string;
  min?: number | string;
  max?: number | string;
  check?: 'npi_luhn';
  cleanse?: ColumnCleanse;
  generator?: Record<string, unknown>;
}

export type DerivedFunction =
  | 'ratio'
  | 'date_diff_days'
  | 'at_least'
  | 'bucket'
  | 'age_years'
  | 'band'
  | 'year'
  | 'month'
  | 'lookup';

export interface DerivedColumn {
  name: string;
  type: ColumnType;
  description: string;
  function: DerivedFunction;
  args: Record<string, unknown>;
}

export interface RowRule {
  name: string;
  kind: 'ordered' | 'required_when' | 'null_when' | 'sum_equals';
  description: string;
  columns?: string[];
  column?: string;
  when?: { column: string; in: string[] };
  terms?: string[];
  total?: string;
  reason: QuarantineReason;
}

export interface ForeignKey {
  column: string;
  references: { dataset: string; column: string };
}

export interface Contract {
  dataset: string;
  version: number;
  kind: 'entity' | 'reference';
  description: string;
  grain: string;
  source: {
    format: 'csv';
    delimiter: string;
    quote?: string;
    header: boolean;
    encoding: 'utf-8';
    null_values?: string[];
    file?: string;
  };
  primary_key: string[];
  current_state?: { key: string[]; order_by: string };
  history?: { key: string[]; updated_at: string; tracked?: string[] };
  foreign_keys?: ForeignKey[];
  partitioning?: string[];
  columns: Column[];
  derived?: DerivedColumn[];
  row_rules?: RowRule[];
}

/** Every contract, by dataset name, plus where each was read from. */
export interface ContractSet {
  dir: string;
  byName: Map<string, Contract>;
  entities: Contract[];
  references: Contract[];
}
