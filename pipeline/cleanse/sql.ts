import { duckdbType } from '../contract-loader/load.ts';
import type { Column, Contract, DerivedColumn, QuarantineReason, RowRule } from '../contract-loader/types.ts';
import { ident, literal } from '../duckdb/sql.ts';

// Everything here is generated from the contract: no column is cleansed by hand-written code.

/** Extra columns read past the contract's last column, so a row with too many fields is caught. */
export const EXTRA_COLUMNS = ['_extra_1', '_extra_2', '_extra_3'];

/** Marks a field the CSV reader padded (row too short): never equal to real data. */
const PAD = '\u0001';

export interface RawFile {
  index: number;
  key: string; // lake key, recorded as the source file
  uri: string; // what DuckDB reads
}

/**
 * SQL: every raw row of the files as text, with the index of its file (RawFile.index). Scanning
 * one file, row order is line order, and the validation pass keeps it (no hash joins), so a row's
 * position in its work file gives its line number without a serial row_number() over the scan.
 */
export function rawScanSql(c: Contract, files: RawFile[]): string {
  const columns = [...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `${literal(n)}: 'VARCHAR'`).join(', ');
  const index = files.length === 1 ? String(files[0]!.index) : `[${files.map((f) => f.index).join(', ')}][file_index + 1]`;
  return `SELECT (${index})::INTEGER AS _file_index, *
    FROM read_csv([${files.map((f) => literal(f.uri)).join(', ')}], header = true, delim = ${literal(c.source.delimiter)}, quote = ${literal(c.source.quote ?? '"')},
      escape = ${literal(c.source.quote ?? '"')}, columns = {${columns}}, auto_detect = false, null_padding = true, nullstr = ${literal(PAD)})`;
}

/** SQL: 64-bit hash of a row's raw fields, for finding exact duplicates. */
function rawHashSql(c: Contract): string {
  return `hash(${[...c.columns.map((col) => ident(col.name)), ...EXTRA_COLUMNS.map(ident)].join(', ')})`;
}

const t = (name: string) => ident(`${name}__text`);
const rawOf = (name: string) => ident(`${name}__raw`);
/** SQL: `v IN (...)` over literal values (a hashed IN-list, not a join per row). */
const inList = (v: string, values: readonly string[]) => `${v} IN (${values.map(literal).join(', ')})`;

/** SQL: the cleaned text of a column (`trimmed` is its raw text, already trimmed when the contract says so). */
function cleanTextSql(col: Column, trimmed: string, nullValues: string[]): string {
  let v = `CASE WHEN ${inList(trimmed, nullValues)} THEN NULL ELSE ${trimmed} END`;
  if (col.cleanse?.case === 'upper') v = `upper(${v})`;
  if (col.cleanse?.case === 'lower') v = `lower(${v})`;
  return v;
}

/** SQL: a column's raw text with surrounding whitespace (spaces, tabs, line ends) removed. */
function trimSql(col: Column): string {
  const v = ident(col.name);
  if (col.cleanse?.trim === false) return v;
  // trim() with a character set is slow, and almost no value needs it: test the ends first
  const edges = [' ', '\t', '\r', '\n'].flatMap((ch) => [`prefix(${v}, ${literal(ch)})`, `suffix(${v}, ${literal(ch)})`]).join(' OR ');
  return `CASE WHEN ${edges} THEN trim(${v}, ' \t\r\n') ELSE ${v} END`;
}

/** Columns whose value is text (cleaned by trim, null rules and case) rather than parsed. */
const isText = (col: Column) => col.type === 'string' || col.type === 'boolean';

/** SQL: a parsed column's raw text, trimmed, with null markers as NULL (its slow path). */
function slowTextSql(col: Column, nullValues: string[]): string {
  const trimmed = col.cleanse?.trim === false ? rawOf(col.name) : `trim(${rawOf(col.name)}, ' \t\r\n')`;
  return `(CASE WHEN ${inList(trimmed, nullValues)} THEN NULL ELSE ${trimmed} END)`;
}

/** Text a number column accepts (after trimming and strip_chars): plain decimal notation only. */
export const NUMBER_TEXT = {
  integer: '[+-]?[0-9]+',
  decimal: '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)',
  double: '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?',
};

/**
 * SQL: the typed value of a column (NULL when it does not parse). Text columns come from their
 * cleaned text. Dates and timestamps are read with the contract's formats, in order (strptime
 * skips surrounding whitespace itself). Numbers must be plain decimal notation: a bare cast would
 * also take hex, binary, exponents and digit separators, and would round 1.5 into an integer.
 * The raw field is tried first; only fields that fail (a CASE evaluates its next branch for those
 * rows alone) pay for trimming and stripping characters.
 */
function typedSql(col: Column, nullValues: string[]): string {
  const type = duckdbType(col.type);
  if (col.type === 'string') return t(col.name);
  if (col.type === 'boolean') {
    const v = t(col.name);
    return `CASE WHEN lower(${v}) IN ('true', 't', '1', 'yes', 'y') THEN true WHEN lower(${v}) IN ('false', 'f', '0', 'no', 'n') THEN false END`;
  }
  const raw = rawOf(col.name);
  if (col.type === 'date' || col.type === 'timestamp') {
    const formats = col.cleanse?.formats ?? [col.type === 'date' ? '%Y-%m-%d' : '%Y-%m-%d %H:%M:%S'];
    const parsed = formats.map((f) => `try_strptime(${raw}, ${literal(f)})${col.type === 'date' ? '::DATE' : ''}`);
    const value = parsed.length === 1 ? parsed[0]! : `coalesce(${parsed.join(', ')})`;
    // DuckDB's strptime reads the words infinity, -infinity and epoch as 1900-01-01 with any format
    const word = `lower(trim(${raw}, ' \t\n\r' || chr(11) || chr(12))) IN ('infinity', '-infinity', 'epoch')`;
    return `(CASE WHEN ${value} = ${col.type === 'date' ? "DATE '1900-01-01'" : "TIMESTAMP '1900-01-01'"} AND ${word} THEN NULL ELSE ${value} END)`;
  }
  const shape = NUMBER_TEXT[col.type === 'double' ? 'double' : col.type.startsWith('decimal') ? 'decimal' : 'integer'];
  let stripped = slowTextSql(col, nullValues);
  for (const ch of col.cleanse?.strip_chars ?? '') stripped = `replace(${stripped}, ${literal(ch)}, '')`;
  return `CASE WHEN regexp_full_match(${raw}, ${literal(shape)}) THEN TRY_CAST(${raw} AS ${type})
      WHEN regexp_full_match(${stripped}, ${literal(shape)}) THEN TRY_CAST(${stripped} AS ${type}) END`;
}

const isNumeric = (type: string) => /^(integer|bigint|double|decimal)/.test(type);

/** SQL: NPI check digit rule (Luhn over the 80840 prefix) for a 10-digit text, in integer arithmetic. */
function npiLuhnSql(v: string): string {
  const n = `TRY_CAST(${v} AS BIGINT)`;
  const d = (i: number) => `((${n} // ${10 ** (10 - i)}) % 10)`;
  const dbl = (x: string) => `(CASE WHEN ${x} > 4 THEN ${x} * 2 - 9 ELSE ${x} * 2 END)`;
  const sum = [1, 3, 5, 7, 9].map((i) => dbl(d(i))).concat([2, 4, 6, 8].map(d)).join(' + ');
  return `(length(${v}) = 10 AND ${n} IS NOT NULL AND (10 - (24 + ${sum}) % 10) % 10 = ${d(10)})`;
}

interface Check {
  reason: QuarantineReason;
  when: string;
  detail: string;
}

const show = (v: string) => `coalesce('''' || ${v} || '''', 'empty')`;

/** Column-level checks in precedence order: required, parses, allowed values, range. */
function columnChecks(col: Column, nullValues: string[]): Check[] {
  const name = col.name;
  const raw = rawOf(name);
  const typed = ident(name);
  // text columns test their cleaned text; parsed columns look at the raw text only when the value did not parse
  const isNullText = isText(col) ? `${t(name)} IS NULL` : `(${raw} IS NULL OR ${slowTextSql(col, nullValues)} IS NULL)`;
  const missing = isText(col) ? isNullText : `CASE WHEN ${typed} IS NULL THEN ${isNullText} ELSE false END`;
  const unparsed = isText(col) ? `${t(name)} IS NOT NULL AND ${typed} IS NULL` : `CASE WHEN ${typed} IS NULL THEN NOT ${isNullText} ELSE false END`;
  const checks: Check[] = [];
  if (!col.nullable) checks.push({ reason: 'MISSING_REQUIRED', when: missing, detail: `'${name} is required but empty'` });
  if (col.type !== 'string') {
    const reason: QuarantineReason = col.type === 'date' || col.type === 'timestamp' ? 'INVALID_DATE' : col.type === 'boolean' ? 'INVALID_VALUE' : 'INVALID_NUMBER';
    const expected = col.type === 'date' || col.type === 'timestamp' ? `a ${col.type} in an accepted format (${(col.cleanse?.formats ?? []).join(', ')})` : col.type === 'boolean' ? 'true or false' : 'a number';
    checks.push({ reason, when: unparsed, detail: `'${name} ' || ${show(raw)} || ' is not ${expected.replaceAll("'", "''")}'` });
  }
  if (col.allowed_values) {
    const shown = col.allowed_values.length > 8 ? `${col.allowed_values.slice(0, 8).join(', ')}, ...` : col.allowed_values.join(', ');
    checks.push({
      reason: 'INVALID_VALUE',
      when: `${typed} IS NOT NULL AND NOT ${inList(`${typed}::VARCHAR`, col.allowed_values)}`,
      detail: `'${name} ' || ${show(raw)} || ' is not one of ${shown}'`,
    });
  }
  if (col.pattern) {
    checks.push({ reason: 'INVALID_VALUE', when: `${typed} IS NOT NULL AND NOT regexp_full_match(${typed}::VARCHAR, ${literal(col.pattern)})`, detail: `'${name} ' || ${show(raw)} || ' does not match ${col.pattern.replaceAll("'", "''")}'` });
  }
  if (col.check === 'npi_luhn') {
    checks.push({ reason: 'INVALID_VALUE', when: `${typed} IS NOT NULL AND NOT ${npiLuhnSql(typed)}`, detail: `'${name} ' || ${show(raw)} || ' fails the NPI check digit'` });
  }
  const bound = (b: number | string) => (typeof b === 'number' ? String(b) : `${literal(b)}::${duckdbType(col.type)}`);
  if (col.min !== undefined && (isNumeric(col.type) || col.type === 'date' || col.type === 'timestamp')) {
    checks.push({ reason: 'OUT_OF_RANGE', when: `${typed} < ${bound(col.min)}`, detail: `'${name} ' || ${typed}::VARCHAR || ' is below the minimum ${String(col.min)}'` });
  }
  if (col.max !== undefined && (isNumeric(col.type) || col.type === 'date' || col.type === 'timestamp')) {
    checks.push({ reason: 'OUT_OF_RANGE', when: `${typed} > ${bound(col.max)}`, detail: `'${name} ' || ${typed}::VARCHAR || ' is above the maximum ${String(col.max)}'` });
  }
  return checks;
}

function ruleCheck(rule: RowRule): Check {
  const q = ident;
  switch (rule.kind) {
    case 'ordered': {
      const cols = rule.columns ?? [];
      const pairs: string[] = [];
      for (let i = 0; i < cols.length; i++) for (let j = i + 1; j < cols.length; j++) pairs.push(`coalesce(${q(cols[i]!)} > ${q(cols[j]!)}, false)`);
      return { reason: rule.reason, when: `(${pairs.join(' OR ')})`, detail: literal(`${rule.name}: ${rule.description}`) };
    }
    case 'sum_equals': {
      const terms = (rule.terms ?? []).map((x) => `coalesce(${q(x)}, 0)`).join(' + ');
      const cond = rule.when ? `${inList(q(rule.when.column), rule.when.in)} AND ` : '';
      return { reason: rule.reason, when: `(${cond}${terms} <> coalesce(${q(rule.total!)}, 0))`, detail: literal(`${rule.name}: ${rule.description}`) };
    }
    case 'required_when':
      return {
        reason: rule.reason,
        when: `(${inList(q(rule.when!.column), rule.when!.in)} AND ${q(rule.column!)} IS NULL)`,
        detail: literal(`${rule.name}: ${rule.description}`),
      };
    case 'null_when':
      return {
        reason: rule.reason,
        when: `(${inList(q(rule.when!.column), rule.when!.in)} AND ${q(rule.column!)} IS NOT NULL)`,
        detail: literal(`${rule.name}: ${rule.description}`),
      };
  }
}

/** A foreign-key target: a table (reference code set or curated entity) and its key column. */
export interface FkTarget {
  column: string;
  table: string; // SQL relation with the key column (and lookup columns)
  key: string;
  dataset: string;
}

/** SQL: a derived column from its contract function. */
function derivedSql(d: DerivedColumn, lookupAlias: (dataset: string) => string): string {
  const a = d.args as Record<string, unknown>;
  const col = (k: string) => ident(String(a[k]));
  const type = duckdbType(d.type);
  const labels = (a.labels as string[] | undefined) ?? [];
  const bounds = (a.bounds as number[] | undefined) ?? [];
  const banded = (v: string) =>
    `CASE WHEN ${v} IS NULL THEN NULL ${bounds.map((b, i) => `WHEN ${v} < ${b} THEN ${literal(labels[i]!)}`).join(' ')} ELSE ${literal(labels[labels.length - 1]!)} END`;
  switch (d.function) {
    case 'ratio':
      return `CASE WHEN ${col('denominator')} IS NULL OR ${col('denominator')} = 0 THEN NULL ELSE round(${col('numerator')} / ${col('denominator')}, 4)::${type} END`;
    case 'date_diff_days':
      return `date_diff('day', ${col('start')}, ${col('end')})::${type}`;
    case 'at_least':
      return `(${col('column')} >= ${Number(a.threshold)})`;
    case 'bucket':
    case 'band':
      return banded(col('column'));
    case 'year':
      return `year(${col('column')})::${type}`;
    case 'month':
      return `month(${col('column')})::${type}`;
    case 'age_years': {
      const b = col('birth_date');
      const at = col('at');
      // whole years: one less when the birthday has not come yet that year (integer month*100+day, no string formatting)
      return `(year(${at}) - year(${b}) - CASE WHEN month(${at}) * 100 + day(${at}) < month(${b}) * 100 + day(${b}) THEN 1 ELSE 0 END)::${type}`;
    }
    case 'lookup':
      return `${lookupAlias(String(a.dataset))}.${ident(String(a.column))}::${type}`;
  }
}

export interface ValidateOptions {
  contract: Contract;
  /** SQL relation of raw rows (rawScanSql) */
  source: string;
  fkTargets: FkTarget[];
}

/**
 * SQL: every raw row, in file order, with its cleaned and typed values, the number of the first
 * failed check (NULL when valid) with its reason and detail, and for rejected rows the original
 * fields. Foreign keys are checked with IN (a mark join, which keeps row order), not a join.
 */
export function validateSql(o: ValidateOptions): string {
  const c = o.contract;
  const nullValues = c.source.null_values ?? [''];
  const trimmedName = (n: string) => ident(`${n}__trim`);
  const textCols = c.columns.filter(isText);
  const trimmed = textCols.map((col) => `${trimSql(col)} AS ${trimmedName(col.name)}`).join(',\n      ');
  const texts = textCols.map((col) => `${cleanTextSql(col, trimmedName(col.name), nullValues)} AS ${t(col.name)}`).join(',\n      ');
  const typed = c.columns.map((col) => `${typedSql(col, nullValues)} AS ${ident(col.name)}`).join(',\n      ');
  const malformed = `(${[...c.columns.map((col) => `${rawOf(col.name)} IS NULL`), `${rawOf('_extra_1')} IS NOT NULL`].join(' OR ')})`;
  const fieldCount = `(${[...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `(${rawOf(n)} IS NOT NULL)::INTEGER`).join(' + ')})`;
  const nul = `(${c.columns.map((col) => `contains(${rawOf(col.name)}, chr(0))`).join(' OR ')})`;
  const checks: Check[] = [
    { reason: 'MALFORMED_ROW', when: malformed, detail: `'row has ' || ${fieldCount} || ' fields, expected ${c.columns.length}'` },
    // a NUL byte means a binary or damaged extract, not a value: the row is rejected whole
    { reason: 'MALFORMED_ROW', when: nul, detail: `'row contains a NUL byte'` },
  ];
  for (const reason of ['MISSING_REQUIRED', 'INVALID_NUMBER', 'INVALID_DATE', 'INVALID_VALUE', 'OUT_OF_RANGE'] as QuarantineReason[]) {
    for (const col of c.columns) checks.push(...columnChecks(col, nullValues).filter((x) => x.reason === reason));
  }
  for (const rule of c.row_rules ?? []) checks.push(ruleCheck(rule));
  for (const fk of o.fkTargets) {
    checks.push({
      reason: 'ORPHAN_FOREIGN_KEY',
      when: `${ident(fk.column)} IS NOT NULL AND NOT (${ident(fk.column)} IN (SELECT ${ident(fk.key)} FROM ${fk.table} WHERE ${ident(fk.key)} IS NOT NULL))`,
      detail: `'${fk.column} ' || ${show(ident(fk.column) + '::VARCHAR')} || ' not found in ${fk.dataset}'`,
    });
  }
  // One pass finds the first failed check; reason and detail are then looked up by its number,
  // so the conditions are evaluated once per row, not once per output column.
  const checkIndex = `CASE ${checks.map((x, i) => `WHEN ${x.when} THEN ${i + 1}`).join('\n      ')} END`;
  const reasons = `[${checks.map((x) => literal(x.reason)).join(', ')}]`;
  const detail = `CASE _check ${checks.map((x, i) => `WHEN ${i + 1} THEN ${x.detail}`).join('\n      ')} END`;
  const rawNames = [...c.columns.map((col) => col.name), ...EXTRA_COLUMNS];
  const rawRenamed = rawNames.map((n) => `${ident(n)} AS ${rawOf(n)}`).join(', ');
  const original = `json_object(${rawNames.map((n) => `${literal(n)}, ${rawOf(n)}`).join(', ')})::VARCHAR`;
  return `
WITH src AS (
  SELECT _file_index, ${rawHashSql(c)} AS _row_hash, ${rawRenamed},
      ${trimmed}
  FROM (${o.source})
),
texts AS (
  SELECT * EXCLUDE (${textCols.map((col) => trimmedName(col.name)).join(', ')}),
      ${texts}
  FROM src
),
v AS (
  SELECT *,
      ${typed}
  FROM texts
),
checked AS (
  SELECT *, ${checkIndex} AS _check FROM v
)
SELECT _file_index, _row_hash, _check, ${reasons}[_check] AS _reason,
  CASE WHEN _check IS NOT NULL THEN ${detail} END AS _reason_detail,
  ${c.columns.map((col) => ident(col.name)).join(', ')},
  CASE WHEN _check IS NOT NULL THEN ${original} END AS _original
FROM checked`;
}

/**
 * SQL: the curated columns of valid rows from the work relation `w`: contract columns, then the
 * derived ones in contract order (lookups through a join on their dataset's key).
 */
export function curatedColumnsSql(c: Contract, lookupAlias: (dataset: string) => string): string[] {
  return [
    ...c.columns.map((col) => `w.${ident(col.name)}`),
    ...(c.derived ?? []).map((d) => `${derivedSql(d, lookupAlias)} AS ${ident(d.name)}`),
  ];
}

/** Lookup columns the curated pass needs from each referenced dataset. */
export function lookupsByDataset(c: Contract): Map<string, { key: string; columns: string[] }> {
  const out = new Map<string, { key: string; columns: string[] }>();
  for (const d of (c.derived ?? []).filter((x) => x.function === 'lookup')) {
    const dataset = String(d.args.dataset);
    const fk = (c.foreign_keys ?? []).find((f) => f.references.dataset === dataset);
    if (!fk) throw new Error(`${c.dataset}: derived lookup into ${dataset} needs a foreign key to it`);
    const entry = out.get(dataset) ?? { key: fk.column, columns: [] };
    entry.columns.push(String(d.args.column));
    out.set(dataset, entry);
  }
  return out;
}
