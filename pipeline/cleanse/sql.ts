import { duckdbType } from '../contract/load.ts';
import type { Column, Contract, DerivedColumn, QuarantineReason, RowRule } from '../contract/types.ts';
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

/** SQL: every raw row of the files as text, with its file index and 1-based line number. */
export function rawScanSql(c: Contract, files: RawFile[]): string {
  const columns = [...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `${literal(n)}: 'VARCHAR'`).join(', ');
  const branches = files.map(
    (f) => `SELECT ${f.index} AS _file_index, row_number() OVER () + 1 AS _line, *
      FROM read_csv(${literal(f.uri)}, header = true, delim = ${literal(c.source.delimiter)}, quote = ${literal(c.source.quote ?? '"')},
        escape = ${literal(c.source.quote ?? '"')}, columns = {${columns}}, auto_detect = false, null_padding = true, nullstr = ${literal(PAD)})`,
  );
  return branches.length ? branches.join('\nUNION ALL\n') : `SELECT NULL::INTEGER AS _file_index, NULL::BIGINT AS _line, ${[...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `NULL::VARCHAR AS ${ident(n)}`).join(', ')} WHERE false`;
}

/** SQL: 64-bit hash of a row's raw fields, for finding exact duplicates. */
export function rawHashSql(c: Contract): string {
  return `hash(${[...c.columns.map((col) => ident(col.name)), ...EXTRA_COLUMNS.map(ident)].join(', ')})`;
}

const t = (name: string) => ident(`${name}__text`);
const rawOf = (name: string) => ident(`${name}__raw`);
/** SQL: `v IN (...)` over literal values (a hashed IN-list, not a join per row). */
const inList = (v: string, values: readonly string[]) => `${v} IN (${values.map(literal).join(', ')})`;

/** SQL: the cleaned text of a column: trimmed, nulls recognised, case normalised. */
function cleanTextSql(col: Column, nullValues: string[]): string {
  let v = ident(col.name);
  if (col.cleanse?.trim !== false) v = `trim(${v}, ' \t\r\n')`;
  v = `CASE WHEN ${inList(v, nullValues)} THEN NULL ELSE ${v} END`;
  if (col.cleanse?.case === 'upper') v = `upper(${v})`;
  if (col.cleanse?.case === 'lower') v = `lower(${v})`;
  return v;
}

/** SQL: the typed value of a column from its cleaned text (NULL when it does not parse). */
function typedSql(col: Column): string {
  const v = t(col.name);
  const type = duckdbType(col.type);
  switch (col.type) {
    case 'string':
      return v;
    case 'date':
      return `coalesce(${(col.cleanse?.formats ?? ['%Y-%m-%d']).map((f) => `try_strptime(${v}, ${literal(f)})::DATE`).join(', ')})`;
    case 'timestamp':
      return `coalesce(${(col.cleanse?.formats ?? ['%Y-%m-%d %H:%M:%S']).map((f) => `try_strptime(${v}, ${literal(f)})`).join(', ')})`;
    case 'boolean':
      return `CASE WHEN lower(${v}) IN ('true', 't', '1', 'yes', 'y') THEN true WHEN lower(${v}) IN ('false', 'f', '0', 'no', 'n') THEN false END`;
    default: {
      let s = v;
      for (const ch of col.cleanse?.strip_chars ?? '') s = `replace(${s}, ${literal(ch)}, '')`;
      // a numeric literal only: TRY_CAST alone would accept things like ' 1e3 ' or 'infinity'
      return `CASE WHEN regexp_full_match(${s}, '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)') THEN TRY_CAST(${s} AS ${type}) END`;
    }
  }
}

const isNumeric = (type: string) => /^(integer|bigint|double|decimal)/.test(type);

/** SQL: NPI check digit rule (Luhn over the 80840 prefix) for a 10-digit text. */
export function npiLuhnSql(v: string): string {
  const d = (i: number) => `(ascii(substr(${v}, ${i}, 1)) - 48)`;
  const dbl = (x: string) => `(CASE WHEN ${x} * 2 > 9 THEN ${x} * 2 - 9 ELSE ${x} * 2 END)`;
  const sum = [1, 3, 5, 7, 9].map((i) => dbl(d(i))).concat([2, 4, 6, 8].map(d)).join(' + ');
  return `(regexp_full_match(${v}, '[0-9]{10}') AND (10 - (24 + ${sum}) % 10) % 10 = ${d(10)})`;
}

interface Check {
  reason: QuarantineReason;
  when: string;
  detail: string;
}

const show = (v: string) => `coalesce('''' || ${v} || '''', 'empty')`;

/** Column-level checks in precedence order: required, parses, allowed values, range. */
function columnChecks(col: Column): Check[] {
  const name = col.name;
  const raw = rawOf(name);
  const text = t(name);
  const typed = ident(name);
  const checks: Check[] = [];
  if (!col.nullable) checks.push({ reason: 'MISSING_REQUIRED', when: `${text} IS NULL`, detail: `'${name} is required but empty'` });
  if (col.type !== 'string') {
    const reason: QuarantineReason = col.type === 'date' || col.type === 'timestamp' ? 'INVALID_DATE' : col.type === 'boolean' ? 'INVALID_VALUE' : 'INVALID_NUMBER';
    const expected = col.type === 'date' || col.type === 'timestamp' ? `a ${col.type} in an accepted format (${(col.cleanse?.formats ?? []).join(', ')})` : col.type === 'boolean' ? 'true or false' : 'a number';
    checks.push({ reason, when: `${text} IS NOT NULL AND ${typed} IS NULL`, detail: `'${name} ' || ${show(raw)} || ' is not ${expected.replaceAll("'", "''")}'` });
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
      return `(date_diff('year', ${b}, ${at}) - CASE WHEN strftime(${at}, '%m%d') < strftime(${b}, '%m%d') THEN 1 ELSE 0 END)::${type}`;
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
  batch: number;
  /** lake keys of the raw files by index */
  fileKeys: string[];
  /** SQL relation of exact-duplicate candidate hashes (column h) */
  candidates: string;
}

/**
 * SQL: every raw row with its cleaned, typed and derived values, the first failed check
 * (reason and detail) and, for rejected rows and duplicate candidates, its original values.
 */
export function validateSql(o: ValidateOptions): string {
  const c = o.contract;
  const nullValues = c.source.null_values ?? [''];
  const texts = c.columns.map((col) => `${cleanTextSql(col, nullValues)} AS ${t(col.name)}`).join(',\n      ');
  const typed = c.columns.map((col) => `${typedSql(col)} AS ${ident(col.name)}`).join(',\n      ');
  const malformed = `(${[...c.columns.map((col) => `${rawOf(col.name)} IS NULL`), `${rawOf('_extra_1')} IS NOT NULL`].join(' OR ')})`;
  const fieldCount = `(${[...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `(${rawOf(n)} IS NOT NULL)::INTEGER`).join(' + ')})`;
  const checks: Check[] = [{ reason: 'MALFORMED_ROW', when: malformed, detail: `'row has ' || ${fieldCount} || ' fields, expected ${c.columns.length}'` }];
  for (const reason of ['MISSING_REQUIRED', 'INVALID_NUMBER', 'INVALID_DATE', 'INVALID_VALUE', 'OUT_OF_RANGE'] as QuarantineReason[]) {
    for (const col of c.columns) checks.push(...columnChecks(col).filter((x) => x.reason === reason));
  }
  for (const rule of c.row_rules ?? []) checks.push(ruleCheck(rule));
  const alias = (i: number) => `fk${i}`;
  o.fkTargets.forEach((fk, i) => {
    checks.push({
      reason: 'ORPHAN_FOREIGN_KEY',
      when: `${ident(fk.column)} IS NOT NULL AND ${alias(i)}.${ident(fk.key)} IS NULL`,
      detail: `'${fk.column} ' || ${show(ident(fk.column) + '::VARCHAR')} || ' not found in ${fk.dataset}'`,
    });
  });
  const reason = `CASE ${checks.map((x) => `WHEN ${x.when} THEN ${literal(x.reason)}`).join('\n      ')} END`;
  const detail = `CASE ${checks.map((x) => `WHEN ${x.when} THEN ${x.detail}`).join('\n      ')} END`;
  const joins = o.fkTargets.map((fk, i) => `LEFT JOIN ${fk.table} ${alias(i)} ON ${alias(i)}.${ident(fk.key)} = v.${ident(fk.column)}`).join('\n    ');
  const lookupAlias = (dataset: string) => {
    const i = o.fkTargets.findIndex((fk) => fk.dataset === dataset);
    if (i < 0) throw new Error(`${c.dataset}: derived lookup into ${dataset} needs a foreign key to it`);
    return alias(i);
  };
  const derived = (c.derived ?? []).filter((d) => d.function === 'lookup').map((d) => `${derivedSql(d, lookupAlias)} AS ${ident(d.name)}`);
  const rawRenamed = [...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `${ident(n)} AS ${rawOf(n)}`).join(', ');
  const original = `json_object(${[...c.columns.map((col) => col.name), ...EXTRA_COLUMNS].map((n) => `${literal(n)}, ${rawOf(n)}`).join(', ')})::VARCHAR`;
  return `
WITH src AS (
  SELECT _file_index, _line, ${rawHashSql(c)} AS _row_hash, ${rawRenamed},
    ${c.columns.map((col) => `${ident(col.name)}`).join(', ')}
  FROM (${o.source})
),
texts AS (
  SELECT * EXCLUDE (${c.columns.map((col) => ident(col.name)).join(', ')}),
      ${texts}
  FROM src
),
v AS (
  SELECT *,
      ${typed}
  FROM texts
),
joined AS (
  SELECT v.*${derived.length ? `, ${derived.join(', ')}` : ''},
    ${reason} AS _reason,
    ${detail} AS _reason_detail
  FROM v
    ${joins}
)
SELECT _file_index, _line, _row_hash, _reason, _reason_detail,
  ${c.columns.map((col) => ident(col.name)).join(', ')}${derived.length ? `, ${(c.derived ?? []).filter((d) => d.function === 'lookup').map((d) => ident(d.name)).join(', ')}` : ''},
  CASE WHEN _reason IS NOT NULL OR _row_hash IN (SELECT h FROM ${o.candidates}) THEN ${original} END AS _original
FROM joined`;
}

/** SQL: the contract's non-lookup derived columns over a relation of validated rows. */
export function derivedColumnsSql(c: Contract): string[] {
  return (c.derived ?? [])
    .filter((d) => d.function !== 'lookup')
    .map((d) => `${derivedSql(d, () => '')} AS ${ident(d.name)}`);
}
