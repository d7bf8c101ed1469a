import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../contract-loader/load.ts';
import { tempDir } from '../testing/tmp.ts';
import { DEFECT_OUTCOME, type DefectKind } from './dirty.ts';
import { generate, type GenerateManifest } from './index.ts';
import { parseGenerateOptions } from './options.ts';
import { isValidNpi } from './providers.ts';

const contracts = loadContracts();

/** Splits a CSV line into fields, honouring RFC 4180 quotes. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

interface Truth {
  dataset: string;
  file: string;
  line: number;
  column: string;
  kind: DefectKind;
  expected: string;
}

const isDate = (s: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
};
const toIso = (s: string) => (/^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : /^(\d{2})\/(\d{2})\/(\d{4})$/.test(s) ? `${s.slice(6)}-${s.slice(0, 2)}-${s.slice(3, 5)}` : s);

/** Checks that a defective line differs from its clean twin exactly as its defect kind says. */
function checkDefect(kind: DefectKind, column: string, names: string[], clean: string[], dirty: string[], known: Set<string>): string | null {
  if (kind === 'truncated_row') {
    if (dirty.length >= names.length) return `truncated row has ${dirty.length} fields`;
    return dirty.every((f, i) => f === clean[i]) ? null : 'truncated row is not a prefix of the clean row';
  }
  const ci = names.indexOf(column);
  if (ci < 0) return `unknown column ${column}`;
  for (let i = 0; i < names.length; i++) if (i !== ci && dirty[i] !== clean[i]) return `column ${names[i]} changed but the defect is on ${column}`;
  const d = dirty[ci]!;
  const c = clean[ci]!;
  switch (kind) {
    case 'whitespace':
      return d !== c && d.trim() === c ? null : `whitespace: ${JSON.stringify(d)} vs ${JSON.stringify(c)}`;
    case 'mixed_case':
      return d !== c && d.toLowerCase() === c.toLowerCase() ? null : `mixed_case: ${d} vs ${c}`;
    case 'alt_date_format':
      return d !== c && toIso(d) === c ? null : `alt_date_format: ${d} vs ${c}`;
    case 'impossible_date':
      return !isDate(d) ? null : `impossible_date is a real date: ${d}`;
    case 'non_numeric_amount':
      return Number.isNaN(Number(d.replace(/[$,]/g, ''))) ? null : `non_numeric_amount parses: ${d}`;
    case 'negative_amount':
      return d === `-${c}` ? null : `negative_amount: ${d} vs ${c}`;
    case 'orphan_member':
      return /^M\d{9}$/.test(d) && !known.has(d) ? null : `orphan_member ${d} exists or is malformed`;
    case 'orphan_provider':
      return isValidNpi(d) && !known.has(d) ? null : `orphan_provider ${d} exists or has a bad check digit`;
    case 'bad_check_digit':
      return /^\d{10}$/.test(d) && !isValidNpi(d) ? null : `bad_check_digit ${d} is valid`;
    case 'missing_required_id':
      return d === '' ? null : `missing id is ${JSON.stringify(d)}`;
    case 'invalid_value':
      return d !== c ? null : 'invalid_value did not change the value';
    default:
      return `unexpected kind ${kind}`;
  }
}

describe('dirty data and its ground truth', () => {
  const cleanups: Array<() => Promise<void>> = [];
  let clean: string;
  let dirty: string;
  let manifest: GenerateManifest;
  let truth: Truth[];
  const opts = { seed: 5, members: 1500, providers: 250, claims: 30_000 };

  beforeAll(async () => {
    const a = await tempDir();
    const b = await tempDir();
    cleanups.push(a.cleanup, b.cleanup);
    clean = a.dir;
    dirty = b.dir;
    await generate(parseGenerateOptions({ ...opts, dirtyRate: 0, out: clean }));
    manifest = await generate(parseGenerateOptions({ ...opts, dirtyRate: 0.08, out: dirty }));
    const lines = (await readFile(join(dirty, 'ground_truth.csv'), 'utf8')).trim().split('\n').slice(1);
    truth = lines.map((l) => {
      const [dataset, file, line, column, kind, expected] = l.split(',');
      return { dataset: dataset!, file: file!, line: Number(line), column: column!, kind: kind as DefectKind, expected: expected! };
    });
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('injects every kind, at about the requested rate, and counts them in the manifest', () => {
    expect(truth.length).toBe(manifest.defects.total);
    const claimsRows = manifest.datasets.claims!.rows;
    const claimDefects = truth.filter((t) => t.dataset === 'claims').length;
    expect(claimDefects / claimsRows).toBeGreaterThan(0.06);
    expect(claimDefects / claimsRows).toBeLessThan(0.1);
    for (const kind of Object.keys(DEFECT_OUTCOME)) expect(manifest.defects.by_kind[kind] ?? 0, kind).toBeGreaterThan(0);
    for (const t of truth) expect(t.expected).toBe(DEFECT_OUTCOME[t.kind]);
  });

  it('lists exactly the lines that differ from the clean twin, each differing the way its kind says', async () => {
    const known = new Set<string>();
    for (const ds of ['members', 'providers']) {
      for (const line of (await readFile(join(clean, ds, 'part-00000.csv'), 'utf8')).trim().split('\n').slice(1)) known.add(fields(line)[0]!);
    }
    for (const [dataset, files] of Object.entries(manifest.datasets)) {
      const names = contracts.byName.get(dataset)!.columns.map((c) => c.name);
      for (const f of files.files) {
        const byLine = new Map(truth.filter((t) => t.file === f.path).map((t) => [t.line, t]));
        const cleanLines = (await readFile(join(clean, f.path), 'utf8')).trimEnd().split('\n');
        const dirtyLines = (await readFile(join(dirty, f.path), 'utf8')).trimEnd().split('\n');
        expect(dirtyLines[0]).toBe(cleanLines[0]);
        let i = 1;
        const seen = new Set<number>();
        for (let j = 1; j < dirtyLines.length; j++) {
          const lineNo = j + 1;
          const t = byLine.get(lineNo);
          if (t) seen.add(lineNo);
          if (t?.kind === 'duplicate_row') {
            expect(dirtyLines[j], `${f.path}:${lineNo}`).toBe(dirtyLines[j - 1]);
            continue;
          }
          if (i >= cleanLines.length) {
            // past the clean rows: appended junk rows, every one listed
            expect(t, `${f.path}:${lineNo} is an unlisted extra line`).toBeDefined();
            expect(['impossible_date', 'missing_required_id', 'truncated_row', 'invalid_value', 'bad_check_digit']).toContain(t!.kind);
            continue;
          }
          if (!t) {
            expect(dirtyLines[j], `${f.path}:${lineNo} differs but is not in the ground truth`).toBe(cleanLines[i]);
          } else {
            const problem = checkDefect(t.kind, t.column, names, fields(cleanLines[i]!), fields(dirtyLines[j]!), known);
            expect(problem, `${f.path}:${lineNo} ${t.kind}`).toBeNull();
          }
          i++;
        }
        expect(i).toBe(cleanLines.length);
        expect([...byLine.keys()].filter((l) => !seen.has(l))).toEqual([]);
      }
    }
  });
});
