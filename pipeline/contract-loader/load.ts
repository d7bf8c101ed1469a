import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { Contract, ContractSet } from './types.ts';

export const CONTRACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'contracts');

/** Entity datasets in dependency order: a dataset comes after every dataset it references. */
export const ENTITY_ORDER = ['members', 'providers', 'claims'] as const;
export type EntityName = (typeof ENTITY_ORDER)[number];

/** One thing wrong with a contract: its key path (e.g. `derived[0].args.numerator`) and what. */
export interface ContractProblem {
  path: string;
  message: string;
  /** the column / derived column / row rule the path points into, for the reader */
  where?: string;
}

const problemText = (p: ContractProblem) => `${p.path}${p.where ? ` (${p.where})` : ''}: ${p.message}`;

export class ContractError extends Error {
  readonly problems: string[];

  constructor(
    readonly file: string,
    readonly issues: ContractProblem[],
  ) {
    const problems = issues.map(problemText);
    super(`Invalid contract ${file}:\n  - ${problems.join('\n  - ')}\nFix the contract file; it is the single source of truth every stage reads.`);
    this.name = 'ContractError';
    this.problems = problems;
  }

  get keyPaths(): string[] {
    return this.issues.map((p) => p.path);
  }
}

// Key paths are written as the Python loader (glue/hfc_glue/contracts.py) writes them, so both
// loaders' tests can reject the shared cases in contracts/testdata/invalid/ with the same paths.
type Step = string | number;

/** `['columns', 3, 'pii']` -> `columns[3].pii`; the empty path is `(root)`. */
export function keyPath(steps: Step[]): string {
  let out = '';
  for (const s of steps) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out || '(root)';
}

const NAMED_LISTS: Record<string, string> = { columns: 'column', derived: 'derived column', row_rules: 'row rule' };

/** `column "member_id"` when the path points into a named list item. */
function named(doc: unknown, steps: Step[]): string | undefined {
  const [list, index] = steps;
  if (typeof list !== 'string' || typeof index !== 'number' || !NAMED_LISTS[list] || typeof doc !== 'object' || doc === null) return undefined;
  const item = (doc as Record<string, unknown>)[list];
  const name = Array.isArray(item) ? (item[index] as { name?: unknown } | undefined)?.name : undefined;
  return typeof name === 'string' ? `${NAMED_LISTS[list]} "${name}"` : undefined;
}

const problem = (doc: unknown, steps: Step[], message: string): ContractProblem => ({ path: keyPath(steps), message, where: named(doc, steps) });

function pointerSteps(pointer: string): Step[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function formatAjvError(doc: unknown, e: ErrorObject): ContractProblem | null {
  const steps = pointerSteps(e.instancePath);
  switch (e.keyword) {
    case 'if': // reported through the `then` branch's own errors
      return null;
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return problem(doc, [...steps, key], `unknown key "${key}"; allowed keys are ${allowed.join(', ')}`);
    }
    case 'required':
      return problem(doc, steps, `missing required key "${String(e.params.missingProperty)}"`);
    case 'enum':
      return problem(doc, steps, `${JSON.stringify(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'const':
      return problem(doc, steps, `must be ${JSON.stringify(e.params.allowedValue)}, got ${JSON.stringify(e.data)}`);
    case 'type':
      return problem(doc, steps, `must be of type ${String(e.params.type)}, got ${JSON.stringify(e.data)}`);
    default:
      return problem(doc, steps, e.message ?? e.keyword);
  }
}

/** Orders problems by key path as the Python loader does (list items by index, then keys by name). */
function byPath(a: ContractProblem, b: ContractProblem): number {
  const steps = (p: string) => [...p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? `0${m[2].padStart(9, '0')}` : `1${m[1]}`));
  const [x, y] = [steps(a.path), steps(b.path)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

let validator: ReturnType<Ajv2020['compile']> | undefined;
function schemaValidator(dir: string) {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(dir, 'schema', 'contract.schema.json'), 'utf8'));
    validator = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return validator;
}

/** (precision, scale) of a `decimal(p,s)` type, null for the other types; throws for a type neither engine can hold. */
function decimalSize(type: string): [number, number] | null {
  if (['string', 'integer', 'bigint', 'boolean', 'date', 'timestamp', 'double'].includes(type)) return null;
  const m = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (!m) throw new Error(`unknown contract type "${type}"`);
  const [precision, scale] = [Number(m[1]), Number(m[2])];
  if (precision < 1 || precision > 38) throw new Error(`"${type}": decimal precision must be between 1 and 38`);
  if (scale > precision) throw new Error(`"${type}": decimal scale cannot exceed its precision`);
  return [precision, scale];
}

/** strptime directives a contract's date formats may use (both engines implement exactly these). */
const DATE_DIRECTIVES = ['Y', 'm', 'd', 'H', 'M', 'S'];

/** Throws unless `fmt` uses only DATE_DIRECTIVES, %% and literal text, with at least one field. */
function checkDateFormat(fmt: string): void {
  let fields = 0;
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') continue;
    const d = fmt[i + 1];
    if (d === undefined) throw new Error(`format "${fmt}" ends with a lone "%"`);
    if (DATE_DIRECTIVES.includes(d)) fields++;
    else if (d !== '%') throw new Error(`format "${fmt}": %${d} is not supported; use %Y %m %d %H %M %S, %% and literal text`);
    i++;
  }
  if (!fields) throw new Error(`format "${fmt}" has no date or time fields`);
}

/** Arguments of each derived function that name a column (or an earlier derived column). */
const DERIVED_COLUMN_ARGS: Record<string, string[]> = {
  ratio: ['numerator', 'denominator'],
  date_diff_days: ['start', 'end'],
  at_least: ['column'],
  bucket: ['column'],
  band: ['column'],
  age_years: ['birth_date', 'at'],
  year: ['column'],
  month: ['column'],
  lookup: ['key'],
};

/** Cross-field checks the JSON Schema cannot express (the Python loader makes the same ones). */
function semanticProblems(c: Contract, all: Map<string, Contract>): ContractProblem[] {
  const out: ContractProblem[] = [];
  const add = (steps: Step[], message: string) => out.push(problem(c, steps, message));
  const names = new Set(c.columns.map((col) => col.name));
  const seen = new Set<string>();
  c.columns.forEach((col, i) => {
    if (seen.has(col.name)) add(['columns', i, 'name'], `"${col.name}" is declared twice`);
    seen.add(col.name);
    try {
      decimalSize(col.type);
    } catch (err) {
      add(['columns', i, 'type'], (err as Error).message);
    }
    if (col.pattern !== undefined) {
      try {
        new RegExp(col.pattern);
      } catch (err) {
        add(['columns', i, 'pattern'], `not a valid regular expression (${(err as Error).message})`);
      }
    }
    if ((col.type === 'date' || col.type === 'timestamp') && c.kind === 'entity' && !col.cleanse?.formats?.length) {
      add(['columns', i, 'cleanse', 'formats'], `a ${col.type} column needs at least one format`);
    }
    (col.cleanse?.formats ?? []).forEach((fmt, j) => {
      try {
        checkDateFormat(fmt);
      } catch (err) {
        add(['columns', i, 'cleanse', 'formats', j], (err as Error).message);
      }
    });
  });
  (c.derived ?? []).forEach((d, i) => {
    try {
      decimalSize(d.type);
    } catch (err) {
      add(['derived', i, 'type'], (err as Error).message);
    }
  });
  const earlier = new Set<string>(); // a derived column may use those declared before it
  (c.derived ?? []).forEach((d, i) => {
    const at: Step[] = ['derived', i];
    const a = d.args as Record<string, unknown>;
    if (names.has(d.name) || earlier.has(d.name)) add([...at, 'name'], `"${d.name}" clashes with another column`);
    for (const key of DERIVED_COLUMN_ARGS[d.function] ?? []) {
      const v = a[key];
      if (typeof v !== 'string' || (!names.has(v) && !earlier.has(v))) add([...at, 'args', key], `${JSON.stringify(v)} is not a column or an earlier derived column`);
    }
    if (d.function === 'bucket' || d.function === 'band') {
      const bounds = a.bounds as number[];
      const labels = a.labels as string[];
      if (bounds.some((b, k) => k > 0 && bounds[k - 1]! >= b)) add([...at, 'args', 'bounds'], 'bounds must be strictly ascending');
      if (labels.length !== bounds.length + 1) add([...at, 'args', 'labels'], `${bounds.length} bounds need ${bounds.length + 1} labels, got ${labels.length}`);
    }
    if (d.function === 'lookup') {
      const [dataset, key, column] = [String(a.dataset), String(a.key), String(a.column)];
      const target = all.get(dataset);
      if (!target) add([...at, 'args', 'dataset'], `references unknown dataset ${JSON.stringify(dataset)}`);
      else if (!(c.foreign_keys ?? []).some((fk) => fk.column === key && fk.references.dataset === dataset)) {
        // the foreign key says which target column the lookup joins on
        add([...at, 'args', 'key'], `no foreign key from ${JSON.stringify(key)} to ${JSON.stringify(dataset)}; declare one in foreign_keys, the lookup joins through it`);
      } else if (!target.columns.some((col) => col.name === column)) add([...at, 'args', 'column'], `dataset ${JSON.stringify(dataset)} has no column ${JSON.stringify(column)}`);
    }
    earlier.add(d.name);
  });
  const known = new Set([...names, ...(c.derived ?? []).map((d) => d.name)]);
  const need = (steps: Step[], col: string, pool = names, what = 'a column') => {
    if (!pool.has(col)) add(steps, `"${col}" is not ${what}`);
  };
  c.primary_key.forEach((k, i) => need(['primary_key', i], k));
  if (c.current_state) {
    c.current_state.key.forEach((k, i) => need(['current_state', 'key', i], k));
    need(['current_state', 'order_by'], c.current_state.order_by);
  }
  if (c.history) {
    c.history.key.forEach((k, i) => need(['history', 'key', i], k));
    need(['history', 'updated_at'], c.history.updated_at);
    (c.history.tracked ?? []).forEach((k, i) => need(['history', 'tracked', i], k));
  }
  (c.partitioning ?? []).forEach((p, i) => need(['partitioning', i], p, known, 'a column or a derived column'));
  (c.foreign_keys ?? []).forEach((fk, i) => {
    need(['foreign_keys', i, 'column'], fk.column);
    const target = all.get(fk.references.dataset);
    if (!target) add(['foreign_keys', i, 'references', 'dataset'], `unknown dataset "${fk.references.dataset}"`);
    else if (!target.columns.some((col) => col.name === fk.references.column)) {
      add(['foreign_keys', i, 'references', 'column'], `dataset "${fk.references.dataset}" has no column "${fk.references.column}"`);
    }
  });
  (c.row_rules ?? []).forEach((r, i) => {
    const at: Step[] = ['row_rules', i];
    const refs: Array<[Step[], string]> = [
      ...(r.columns ?? []).map((col, j): [Step[], string] => [['columns', j], col]),
      ...(r.terms ?? []).map((col, j): [Step[], string] => [['terms', j], col]),
      ...(['column', 'total'] as const).filter((k) => r[k] !== undefined).map((k): [Step[], string] => [[k], r[k]!]),
      ...(r.when ? [[['when', 'column'], r.when.column] as [Step[], string]] : []),
    ];
    for (const [steps, col] of refs) if (!names.has(col)) add([...at, ...steps], `"${col}" is not a column`);
    if (r.kind === 'ordered' && (r.columns ?? []).length < 2) add([...at, 'columns'], 'an ordered rule needs at least two columns');
    if ((r.kind === 'required_when' || r.kind === 'null_when') && (r.column === undefined || r.when === undefined)) add(at, `a ${r.kind} rule needs column and when`);
    if (r.kind === 'sum_equals' && (!(r.terms ?? []).length || r.total === undefined)) add(at, 'a sum_equals rule needs terms and total');
    if (r.when && names.has(r.when.column)) {
      const allowed = c.columns.find((col) => col.name === r.when!.column)!.allowed_values;
      r.when.in.forEach((v, j) => {
        if (allowed && !allowed.includes(v)) add([...at, 'when', 'in', j], `"${v}" is not an allowed value of ${r.when!.column}`);
      });
    }
  });
  return out;
}

/** Loads and validates every contract in `dir`. Throws ContractError naming the file and the bad keys. */
export function loadContracts(dir: string = CONTRACTS_DIR): ContractSet {
  const validate = schemaValidator(dir);
  const byName = new Map<string, Contract>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const fileOf = new Map<string, string>();
  for (const f of files) {
    const path = join(dir, f);
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ContractError(path, [{ path: '(root)', message: `not valid YAML: ${(err as Error).message}` }]);
    }
    if (!validate(doc)) {
      const problems = (validate.errors ?? []).map((e) => formatAjvError(doc, e)).filter((p): p is ContractProblem => p !== null);
      throw new ContractError(path, [...new Map(problems.map((p) => [problemText(p), p])).values()].sort(byPath));
    }
    const contract = doc as Contract;
    if (`${contract.dataset}.yaml` !== f) throw new ContractError(path, [{ path: 'dataset', message: `"${contract.dataset}" must live in ${contract.dataset}.yaml` }]);
    byName.set(contract.dataset, contract);
    fileOf.set(contract.dataset, path);
  }
  for (const [name, c] of byName) {
    const problems = semanticProblems(c, byName);
    if (problems.length) throw new ContractError(fileOf.get(name)!, problems);
  }
  for (const name of ENTITY_ORDER) {
    if (!byName.has(name)) throw new ContractError(join(dir, `${name}.yaml`), [{ path: '(root)', message: 'missing; every entity dataset needs a contract' }]);
  }
  const contracts = [...byName.values()];
  return {
    dir,
    byName,
    entities: ENTITY_ORDER.map((n) => byName.get(n)!),
    references: contracts.filter((c) => c.kind === 'reference'),
  };
}

export function contract(set: ContractSet, name: string): Contract {
  const c = set.byName.get(name);
  if (!c) throw new Error(`No contract for dataset "${name}" in ${set.dir}`);
  return c;
}

/** DuckDB type for a contract type. */
export function duckdbType(t: string): string {
  switch (t) {
    case 'string':
      return 'VARCHAR';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'double':
      return 'DOUBLE';
    default: {
      const m = /^decimal\((\d+),(\d+)\)$/.exec(t);
      if (m) return `DECIMAL(${m[1]},${m[2]})`;
      throw new Error(`Unknown contract type "${t}"`);
    }
  }
}
