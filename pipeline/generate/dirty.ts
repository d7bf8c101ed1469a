import type { QuarantineReason } from '../contract-loader/types.ts';
import { literal } from '../duckdb/sql.ts';
import { SqlRandom, high32, low32 } from './random.ts';

/**
 * Defects real claim feeds have. Cosmetic ones are repaired by the cleanse stage and the row
 * loads; the others send the row to quarantine with a known reason, or are removed as duplicates.
 */
export const DEFECT_OUTCOME = {
  whitespace: 'repaired',
  mixed_case: 'repaired',
  alt_date_format: 'repaired',
  impossible_date: 'INVALID_DATE',
  non_numeric_amount: 'INVALID_NUMBER',
  negative_amount: 'OUT_OF_RANGE',
  orphan_member: 'ORPHAN_FOREIGN_KEY',
  orphan_provider: 'ORPHAN_FOREIGN_KEY',
  missing_required_id: 'MISSING_REQUIRED',
  truncated_row: 'MALFORMED_ROW',
  invalid_value: 'INVALID_VALUE',
  bad_check_digit: 'INVALID_VALUE',
  duplicate_row: 'duplicate_removed',
} as const satisfies Record<string, QuarantineReason | 'repaired' | 'duplicate_removed'>;

export type DefectKind = keyof typeof DEFECT_OUTCOME;

/** A defect applies to one of `columns` (chosen per row), or to the whole row when empty. */
export interface DefectSpec {
  kind: DefectKind;
  weight: number;
  columns: string[];
}

/** Defects applied to claim rows in place (claims have no dependants, so any row may carry one). */
export const CLAIM_DEFECTS: DefectSpec[] = [
  { kind: 'whitespace', weight: 14, columns: ['claim_id', 'member_id', 'provider_id', 'claim_status', 'place_of_service', 'claim_type'] },
  { kind: 'mixed_case', weight: 12, columns: ['claim_status', 'claim_type', 'member_id'] },
  { kind: 'alt_date_format', weight: 12, columns: ['service_from', 'received_date'] },
  { kind: 'impossible_date', weight: 8, columns: ['service_from', 'received_date'] },
  { kind: 'non_numeric_amount', weight: 8, columns: ['billed_amount'] },
  { kind: 'negative_amount', weight: 8, columns: ['billed_amount'] },
  { kind: 'orphan_member', weight: 8, columns: ['member_id'] },
  { kind: 'orphan_provider', weight: 6, columns: ['provider_id'] },
  { kind: 'missing_required_id', weight: 8, columns: ['claim_id', 'member_id', 'provider_id'] },
  { kind: 'truncated_row', weight: 6, columns: [] },
  { kind: 'duplicate_row', weight: 10, columns: [] },
];

/**
 * Members and providers are referenced by claims, so rejecting a real row would orphan its claims.
 * Real rows only get repairable defects and duplicates; rejectable defects go on extra junk rows
 * (fresh ids no claim uses) appended to the file, as feeds with stray records have.
 */
export const DIMENSION_DEFECTS: Record<'members' | 'providers', { inPlace: DefectSpec[]; junk: DefectSpec[] }> = {
  members: {
    inPlace: [
      { kind: 'whitespace', weight: 10, columns: ['member_id', 'plan_id', 'city', 'state'] },
      { kind: 'mixed_case', weight: 10, columns: ['gender', 'state', 'line_of_business'] },
      { kind: 'alt_date_format', weight: 10, columns: ['birth_date', 'coverage_start'] },
      { kind: 'duplicate_row', weight: 6, columns: [] },
    ],
    junk: [
      { kind: 'impossible_date', weight: 3, columns: ['birth_date'] },
      { kind: 'missing_required_id', weight: 3, columns: ['member_id'] },
      { kind: 'truncated_row', weight: 2, columns: [] },
      { kind: 'invalid_value', weight: 2, columns: ['state', 'gender'] },
    ],
  },
  providers: {
    inPlace: [
      { kind: 'whitespace', weight: 10, columns: ['provider_id', 'specialty_code', 'state'] },
      { kind: 'mixed_case', weight: 10, columns: ['network_status', 'provider_type', 'state'] },
      { kind: 'duplicate_row', weight: 6, columns: [] },
    ],
    junk: [
      { kind: 'impossible_date', weight: 2, columns: ['updated_at'] },
      { kind: 'missing_required_id', weight: 3, columns: ['provider_id'] },
      { kind: 'truncated_row', weight: 2, columns: [] },
      { kind: 'invalid_value', weight: 2, columns: ['network_status'] },
      { kind: 'bad_check_digit', weight: 2, columns: ['provider_id'] },
    ],
  },
};

/** Share of a dimension's dirty budget spent on appended junk rows. */
export const JUNK_SHARE = 0.25;

export interface DefectChoice {
  /** SQL: index into `specs` of this row's defect, or -1 when the row is clean */
  kind: string;
  /** SQL: index of the defective column within the spec's columns */
  column: string;
  /** SQL: uniform for the defect's variant */
  variant: string;
}

/**
 * The defect a row gets is a function of (seed, stream, file, position) only, so the ground truth
 * can be listed from positions without regenerating the rows.
 */
export function defectChoiceSql(seed: number, stream: number, file: number, pos: string, rate: number, specs: DefectSpec[]): DefectChoice {
  const r = new SqlRandom(seed);
  const h1 = r.hash(stream, String(file), pos);
  const h2 = r.hash(stream + 1, String(file), pos);
  const total = specs.reduce((s, d) => s + d.weight, 0);
  let acc = 0;
  const whens = specs
    .map((d, i) => {
      acc += d.weight;
      return `WHEN ${high32(h1)} < ${acc / total} THEN ${i}`;
    })
    .join(' ');
  return {
    kind: `(CASE WHEN ${low32(h1)} >= ${rate} THEN -1 ${whens} ELSE ${specs.length - 1} END)`,
    column: `floor(${low32(h2)} * 1000)::INTEGER`,
    variant: high32(h2),
  };
}

/**
 * A choice's draws as columns of a subquery (`defect_kind`, `defect_column`, `defect_variant`), and
 * the choice that reads them back through `alias`. A line's SQL tests the choice once per field
 * and variant; naming a column there instead of repeating the hash expressions keeps the
 * statement small, and DuckDB's parse and bind time with it.
 */
export function choiceColumns(choice: DefectChoice, alias: string): { select: string; choice: DefectChoice } {
  return {
    select: `${choice.kind} AS defect_kind, ${choice.column} AS defect_column, ${choice.variant} AS defect_variant`,
    choice: { kind: `${alias}.defect_kind`, column: `${alias}.defect_column`, variant: `${alias}.defect_variant` },
  };
}

/** SQL: the name of the column a defect hits (NULL for whole-row defects). */
export function defectColumnSql(specs: DefectSpec[], kind: string, column: string): string {
  const cases = specs
    .map((d, i) => (d.columns.length ? `WHEN ${i} THEN [${d.columns.map(literal).join(', ')}][${column} % ${d.columns.length} + 1]` : ''))
    .filter(Boolean)
    .join(' ');
  return `(CASE ${kind} ${cases} END)`;
}

/** SQL: true when this row's defect is spec `i` hitting `columnName`. */
export function hitsSql(specs: DefectSpec[], i: number, columnName: string, choice: DefectChoice): string {
  const cols = specs[i]!.columns;
  const j = cols.indexOf(columnName);
  return `(${choice.kind} = ${i} AND ${choice.column} % ${cols.length} = ${j})`;
}

export interface FieldContext {
  /** SQL text of the clean field */
  value: string;
  /** SQL: uniform for choosing a variant */
  variant: string;
  /** SQL producing an orphan member id / orphan NPI for this row */
  orphanMember?: string;
  orphanProvider?: string;
  /** SQL of an NPI with a wrong check digit */
  badNpi?: string;
}

/** SQL: the field's text after defect `kind` hits it. */
export function mutateSql(kind: DefectKind, column: string, f: FieldContext): string {
  const v = f.value;
  const variant = (options: string[]) =>
    `(CASE ${options.map((o, i) => `WHEN ${f.variant} < ${(i + 1) / options.length} THEN ${o}`).join(' ')} ELSE ${options[options.length - 1]} END)`;
  switch (kind) {
    case 'whitespace':
      return variant([`'  ' || ${v}`, `${v} || '   '`, `' ' || ${v} || ' '`, `'\t' || ${v}`]);
    case 'mixed_case':
      if (column === 'member_id' || column === 'state' || column === 'gender') return `lower(${v})`;
      return variant([`upper(${v})`, `upper(left(${v}, 1)) || lower(substr(${v}, 2))`]);
    case 'alt_date_format':
      return variant([`strftime(${v}::DATE, '%m/%d/%Y')`, `strftime(${v}::DATE, '%Y%m%d')`]);
    case 'impossible_date': {
      const suffix = column === 'updated_at' ? ` || ' 10:15:00'` : '';
      return `(${variant([`left(${v}, 4) || '-02-30'`, `left(${v}, 4) || '-13-01'`, `left(${v}, 4) || '-04-31'`, `left(${v}, 4) || '-00-12'`])}${suffix})`;
    }
    case 'non_numeric_amount':
      return variant([`'TBD'`, `'12O.50'`, `'4.5.6'`, `'#VALUE!'`, `'USD'`]);
    case 'negative_amount':
      return `'-' || ${v}`;
    case 'orphan_member':
      return f.orphanMember ?? v;
    case 'orphan_provider':
      return f.orphanProvider ?? v;
    case 'missing_required_id':
      return `''`;
    case 'invalid_value':
      return column === 'state' ? `'ZZ'` : column === 'gender' ? `'Q'` : `'unknown'`;
    case 'bad_check_digit':
      return f.badNpi ?? v;
    case 'truncated_row':
    case 'duplicate_row':
      return v;
  }
}
