import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../contract-loader/load.ts';
import { openDuckDB, queryRows, type Database } from '../duckdb/connection.ts';
import { tempDir } from '../testing/tmp.ts';
import { generate, type GenerateManifest } from './index.ts';
import { OptionError, parseGenerateOptions } from './options.ts';
import { isValidNpi } from './providers.ts';

const contracts = loadContracts();
const dirs: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of dirs) await cleanup();
});

async function gen(opts: Record<string, unknown>): Promise<{ out: string; manifest: GenerateManifest }> {
  const { dir, cleanup } = await tempDir('gen-');
  dirs.push(cleanup);
  const manifest = await generate(parseGenerateOptions({ out: dir, ...opts }));
  return { out: dir, manifest };
}

const csv = (file: string) => `read_csv('${file}', header = true, all_varchar = true, auto_detect = false, quote = '"', escape = '"', columns = $cols)`;

async function view(db: Database, name: string, files: string, dataset: string) {
  const cols = contracts.byName.get(dataset)!.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
  await db.conn.run(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM ${csv(files).replace('$cols', `{${cols}}`)}`);
}

const shas = (m: GenerateManifest) => Object.values(m.datasets).flatMap((d) => d.files.map((f) => `${f.path}:${f.sha256}`));

describe('options', () => {
  it('names the bad option and the allowed range', () => {
    expect(() => parseGenerateOptions({ out: '/x', claims: 'lots' })).toThrow(/--claims: expected a whole number, got "lots"/);
    expect(() => parseGenerateOptions({ out: '/x', dirtyRate: 2 })).toThrow(/--dirty-rate: expected a number from 0 to 1/);
    expect(() => parseGenerateOptions({ out: '/x', batch: 0 })).toThrow(/--batch: must be between 1 and 36/);
    expect(() => parseGenerateOptions({ out: '/x', format: 'xlsx' })).toThrow(/--format: must be one of csv, parquet, both/);
    expect(() => parseGenerateOptions({})).toThrow(OptionError);
    expect(() => parseGenerateOptions({ out: '/x', dirtyRate: 0.1, format: 'parquet' })).toThrow(/dirty data is written as CSV only/);
  });
});

describe('clean batch 1', () => {
  let out: string;
  let manifest: GenerateManifest;
  let db: Database;
  beforeAll(async () => {
    ({ out, manifest } = await gen({ seed: 7, members: 3000, providers: 300, claims: 60_000, dirtyRate: 0 }));
    db = await openDuckDB();
    await view(db, 'members', join(out, 'members/*.csv'), 'members');
    await view(db, 'providers', join(out, 'providers/*.csv'), 'providers');
    await view(db, 'claims', join(out, 'claims/*.csv'), 'claims');
  });
  afterAll(() => db.close());

  it('writes exactly the contract columns, in order, for every dataset', async () => {
    for (const dataset of ['members', 'providers', 'claims']) {
      const file = join(out, manifest.datasets[dataset]!.files[0]!.path);
      const header = (await readFile(file, 'utf8')).split('\n', 1)[0];
      expect(header).toBe(contracts.byName.get(dataset)!.columns.map((c) => c.name).join(','));
    }
  });

  it('records files, rows and checksums in the manifest', async () => {
    const rows = await queryRows<{ n: number }>(db.conn, 'SELECT count(*)::INT AS n FROM claims');
    expect(manifest.datasets.claims!.rows).toBe(rows[0]!.n);
    expect(manifest.datasets.claims!.rows).toBeGreaterThan(55_000);
    for (const f of Object.values(manifest.datasets).flatMap((d) => d.files)) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.defects.total).toBe(0);
  });

  it('gives every provider a valid NPI check digit', async () => {
    const npis = await queryRows<{ provider_id: string }>(db.conn, 'SELECT provider_id FROM providers');
    expect(npis.length).toBe(300);
    expect(npis.filter((r) => !isValidNpi(r.provider_id))).toEqual([]);
    expect(new Set(npis.map((r) => r.provider_id)).size).toBe(300);
  });

  it('resolves every foreign key and keeps claims inside coverage', async () => {
    const [r] = await queryRows<Record<string, number>>(
      db.conn,
      `SELECT
        count(*) FILTER (WHERE m.member_id IS NULL)::INT AS orphan_members,
        count(*) FILTER (WHERE p.provider_id IS NULL)::INT AS orphan_providers,
        count(*) FILTER (WHERE c.service_from::DATE < m.coverage_start::DATE OR c.service_from::DATE > coalesce(m.coverage_end::DATE, DATE '2100-01-01'))::INT AS outside_coverage
      FROM claims c LEFT JOIN members m USING (member_id) LEFT JOIN providers p USING (provider_id)`,
    );
    expect(r).toEqual({ orphan_members: 0, orphan_providers: 0, outside_coverage: 0 });
    const dx = await queryRows(
      db.conn,
      `SELECT code FROM (SELECT primary_diagnosis_code AS code FROM claims UNION SELECT secondary_diagnosis_code_1 FROM claims WHERE secondary_diagnosis_code_1 <> '')
       WHERE code NOT IN (SELECT code FROM read_csv('${join(contracts.dir, 'reference/diagnoses.csv')}', header = true, all_varchar = true))`,
    );
    expect(dx).toEqual([]);
  });

  it('looks like a claims book: mix, denial rate, seasonality, utilisation by age', async () => {
    const [mix] = await queryRows<{ denial_rate: number; pharmacy_share: number; prof_median: number; inst_median: number }>(
      db.conn,
      `SELECT avg((claim_status = 'denied')::INT) AS denial_rate,
        avg((claim_type = 'pharmacy')::INT) AS pharmacy_share,
        median(billed_amount::DOUBLE) FILTER (WHERE claim_type = 'professional') AS prof_median,
        median(billed_amount::DOUBLE) FILTER (WHERE claim_type = 'institutional') AS inst_median
      FROM claims`,
    );
    expect(mix!.denial_rate).toBeGreaterThan(0.05);
    expect(mix!.denial_rate).toBeLessThan(0.15);
    expect(mix!.pharmacy_share).toBeGreaterThan(0.15);
    expect(mix!.inst_median).toBeGreaterThan(5 * mix!.prof_median);
    const season = await queryRows<{ winter: number; summer: number }>(
      db.conn,
      `SELECT avg((primary_diagnosis_code LIKE 'J%')::INT) FILTER (WHERE month(service_from::DATE) IN (12, 1, 2)) AS winter,
              avg((primary_diagnosis_code LIKE 'J%')::INT) FILTER (WHERE month(service_from::DATE) IN (6, 7, 8)) AS summer FROM claims`,
    );
    expect(season[0]!.winter).toBeGreaterThan(1.6 * season[0]!.summer);
    const denial = await queryRows<{ network_status: string; rate: number }>(
      db.conn,
      `SELECT p.network_status, avg((claim_status = 'denied')::INT) AS rate FROM claims c JOIN providers p USING (provider_id) GROUP BY 1 ORDER BY 1`,
    );
    expect(denial.find((d) => d.network_status === 'out_of_network')!.rate).toBeGreaterThan(denial.find((d) => d.network_status === 'in_network')!.rate * 1.3);
    const util = await queryRows<{ band: string; per_member: number }>(
      db.conn,
      `SELECT CASE WHEN date_diff('year', birth_date::DATE, DATE '2025-06-30') >= 65 THEN 'senior' WHEN date_diff('year', birth_date::DATE, DATE '2025-06-30') BETWEEN 18 AND 34 THEN 'young' END AS band,
         count(c.claim_id) / count(DISTINCT m.member_id) AS per_member
       FROM members m LEFT JOIN claims c USING (member_id) GROUP BY 1 HAVING band IS NOT NULL ORDER BY 1`,
    );
    expect(util.find((u) => u.band === 'senior')!.per_member).toBeGreaterThan(2 * util.find((u) => u.band === 'young')!.per_member);
  });
});

describe('determinism', () => {
  it('gives byte-identical files for the same options at any thread count, and different files for another seed', async () => {
    const opts = { seed: 11, members: 800, providers: 120, claims: 15_000, dirtyRate: 0.05 };
    const a = await gen({ ...opts, threads: 1 });
    const b = await gen({ ...opts, threads: 4 });
    const c = await gen({ ...opts, seed: 12 });
    expect(shas(a.manifest)).toEqual(shas(b.manifest));
    expect(await readFile(join(a.out, 'ground_truth.csv'), 'utf8')).toBe(await readFile(join(b.out, 'ground_truth.csv'), 'utf8'));
    const other = shas(c.manifest);
    const differing = shas(a.manifest).filter((s, i) => s !== other[i]);
    expect(differing.length).toBe(shas(a.manifest).length);
  });

  it('is byte-identical across thread counts on the clean path too, including several claims parts', async () => {
    const opts = { seed: 3, members: 2000, providers: 150, claims: 40_000, batch: 2, rowsPerFile: 2_000, dirtyRate: 0 };
    const a = await gen({ ...opts, threads: 1 });
    const b = await gen({ ...opts, threads: 3 });
    expect(a.manifest.datasets.claims!.files.length).toBeGreaterThan(2);
    expect(shas(a.manifest)).toEqual(shas(b.manifest));
  });
});
