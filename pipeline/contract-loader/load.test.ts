import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONTRACTS_DIR, ContractError, keyPath, loadContracts } from './load.ts';

// The shared invalid cases: glue/tests/test_contracts.py applies the same files to the Python
// loader and expects the same key paths, so the two loaders accept exactly the same contracts.
const CASES_DIR = join(CONTRACTS_DIR, 'testdata', 'invalid');
const CASES = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml')).sort();

interface Case {
  file: string;
  set?: Record<string, unknown>;
  remove?: string[];
  append?: Record<string, unknown>;
  expect: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function copyContracts(): string {
  const dir = mkdtempSync(join(tmpdir(), 'contracts-'));
  dirs.push(dir);
  cpSync(CONTRACTS_DIR, dir, { recursive: true, filter: (src) => !src.includes(`${join(CONTRACTS_DIR, 'testdata')}`) });
  return dir;
}

function steps(path: string): Array<string | number> {
  return [...path.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function parentOf(doc: unknown, path: string): [Record<string | number, unknown>, string | number] {
  const s = steps(path);
  let node = doc as Record<string | number, unknown>;
  for (const step of s.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  return [node, s[s.length - 1]!];
}

function applyCase(doc: unknown, c: Case): void {
  for (const path of c.remove ?? []) {
    const [node, last] = parentOf(doc, path);
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  }
  for (const [path, value] of Object.entries(c.set ?? {})) {
    const [node, last] = parentOf(doc, path);
    node[last] = value;
  }
  for (const [path, item] of Object.entries(c.append ?? {})) {
    const [node, last] = parentOf(doc, path);
    (node[last] as unknown[]).push(item);
  }
}

function loadError(dir: string): ContractError {
  try {
    loadContracts(dir);
  } catch (err) {
    if (err instanceof ContractError) return err;
    throw err;
  }
  throw new Error(`the contracts in ${dir} loaded, but should have been rejected`);
}

describe('contract loader', () => {
  it('loads the project contracts', () => {
    const set = loadContracts();
    expect(set.entities.map((c) => c.dataset)).toEqual(['members', 'providers', 'claims']);
    expect(set.references.map((c) => c.dataset).sort()).toEqual(['denial_reasons', 'diagnoses', 'places_of_service', 'plans', 'specialties']);
  });

  it('has shared invalid cases for every kind of check', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('rejects the shared invalid case %s with its key path', (name) => {
    const c = parseYaml(readFileSync(join(CASES_DIR, name), 'utf8')) as Case;
    const dir = copyContracts();
    const file = join(dir, c.file);
    const doc = parseYaml(readFileSync(file, 'utf8'));
    applyCase(doc, c);
    writeFileSync(file, JSON.stringify(doc, null, 1));
    const err = loadError(dir);
    expect(err.file).toBe(file);
    expect(err.keyPaths, err.message).toEqual([c.expect]);
    for (const line of err.problems) expect(line.startsWith(err.keyPaths[0]!)).toBe(true);
  });

  it('names the item a key path points into and what is allowed', () => {
    const dir = copyContracts();
    const file = join(dir, 'members.yaml');
    const doc = parseYaml(readFileSync(file, 'utf8'));
    doc.columns[0].colour = 'red';
    writeFileSync(file, JSON.stringify(doc));
    const err = loadError(dir);
    expect(err.problems[0]).toMatch(/^columns\[0\]\.colour \(column "member_id"\): unknown key "colour"; allowed keys are name, type/);
    expect(err.message).toContain('members.yaml');
  });

  it('writes key paths as the Python loader does', () => {
    expect(keyPath(['columns', 3, 'cleanse', 'formats', 1])).toBe('columns[3].cleanse.formats[1]');
    expect(keyPath([])).toBe('(root)');
  });
});
