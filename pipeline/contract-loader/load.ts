import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { Contract, ContractSet } from './types.ts';

const CONTRACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'contracts');

/** Entity datasets in dependency order: a dataset comes after every dataset it references. */
export const ENTITY_ORDER = ['members', 'providers', 'claims'] as const;
export type EntityName = (typeof ENTITY_ORDER)[number];

export class ContractError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid contract ${file}:\n  - ${problems.join('\n  - ')}\nFix the contract file; it is the single source of truth every stage reads.`);
    this.name = 'ContractError';
  }
}

function formatAjvError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown key "${String(e.params.additionalProperty)}"`;
  }
  if (e.keyword === 'enum') {
    return `${where}: must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
  }
  return `${where}: ${e.message ?? e.keyword}`;
}

let validator: ReturnType<Ajv2020['compile']> | undefined;
function schemaValidator(dir: string) {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(dir, 'schema', 'contract.schema.json'), 'utf8'));
    validator = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/** Cross-field checks the JSON Schema cannot express. */
function semanticProblems(c: Contract, all: Map<string, Contract>): string[] {
  const problems: string[] = [];
  const names = new Set(c.columns.map((col) => col.name));
  const seen = new Set<string>();
  for (const col of c.columns) {
    if (seen.has(col.name)) problems.push(`columns: "${col.name}" is declared twice`);
    seen.add(col.name);
    if (col.pattern) {
      try {
        new RegExp(col.pattern);
      } catch {
        problems.push(`columns.${col.name}.pattern: not a valid regular expression`);
      }
    }
    if ((col.type === 'date' || col.type === 'timestamp') && c.kind === 'entity' && !col.cleanse?.formats?.length) {
      problems.push(`columns.${col.name}: a ${col.type} column needs cleanse.formats`);
    }
  }
  const derivedNames = new Set<string>();
  for (const d of c.derived ?? []) {
    if (names.has(d.name) || derivedNames.has(d.name)) problems.push(`derived: "${d.name}" clashes with another column`);
    derivedNames.add(d.name);
  }
  const known = (n: string) => names.has(n) || derivedNames.has(n);
  for (const k of c.primary_key) if (!names.has(k)) problems.push(`primary_key: "${k}" is not a column`);
  for (const k of c.current_state?.key ?? []) if (!names.has(k)) problems.push(`current_state.key: "${k}" is not a column`);
  if (c.current_state && !names.has(c.current_state.order_by)) problems.push(`current_state.order_by: "${c.current_state.order_by}" is not a column`);
  if (c.history && !names.has(c.history.updated_at)) problems.push(`history.updated_at: "${c.history.updated_at}" is not a column`);
  for (const p of c.partitioning ?? []) if (!known(p)) problems.push(`partitioning: "${p}" is neither a column nor a derived column`);
  for (const fk of c.foreign_keys ?? []) {
    if (!names.has(fk.column)) problems.push(`foreign_keys: "${fk.column}" is not a column`);
    const target = all.get(fk.references.dataset);
    if (!target) problems.push(`foreign_keys.${fk.column}: references unknown dataset "${fk.references.dataset}"`);
    else if (!target.columns.some((col) => col.name === fk.references.column)) {
      problems.push(`foreign_keys.${fk.column}: dataset "${fk.references.dataset}" has no column "${fk.references.column}"`);
    }
  }
  for (const r of c.row_rules ?? []) {
    for (const col of [...(r.columns ?? []), ...(r.terms ?? []), r.column, r.total, r.when?.column]) {
      if (col !== undefined && !names.has(col)) problems.push(`row_rules.${r.name}: "${col}" is not a column`);
    }
  }
  return problems;
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
      throw new ContractError(path, [`not valid YAML: ${(err as Error).message}`]);
    }
    if (!validate(doc)) throw new ContractError(path, (validate.errors ?? []).map(formatAjvError));
    const contract = doc as Contract;
    if (`${contract.dataset}.yaml` !== f) throw new ContractError(path, [`dataset "${contract.dataset}" must live in ${contract.dataset}.yaml`]);
    byName.set(contract.dataset, contract);
    fileOf.set(contract.dataset, path);
  }
  for (const [name, c] of byName) {
    const problems = semanticProblems(c, byName);
    if (problems.length) throw new ContractError(fileOf.get(name)!, problems);
  }
  for (const name of ENTITY_ORDER) {
    if (!byName.has(name)) throw new ContractError(join(dir, `${name}.yaml`), ['missing: every entity dataset needs a contract']);
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
