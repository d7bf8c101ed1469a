// Datasets are read through DuckDB with names checked against what exists and values bound as
// parameters: a hostile name or value is refused or matches nothing, never runs as SQL.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryNumber } from '../duckdb/connection.ts';
import { tempDir } from '../testing/tmp.ts';
import { createClaimsService, type ClaimsService } from './service.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;
const claimsRef = { source: 'generated' as const, name: 'claims', batch: 1 };

async function ok<T>(p: Promise<{ ok: true; result: T } | { ok: false; error: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.result;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-datasets-'));
  service = createClaimsService({ workspace: dir, log: () => {} });
  const done = new Promise<void>((resolve) => service.subscribe((b) => b.some((e) => e.kind === 'generate.finished') && resolve()));
  await ok(service.call('generate.start', { seed: 11, members: 300, providers: 60, claims: 3000, batch: 1, dirtyRate: 0.03 }));
  await done;
});

afterAll(async () => {
  await service.close();
  await cleanup();
});

describe('datasets', () => {
  it('lists the generated files with the manifest row counts', async () => {
    const list = await ok(service.call('datasets.list', {}));
    const claims = list.find((d) => d.ref.source === 'generated' && d.ref.name === 'claims');
    const batches = await ok(service.call('generate.batches', {}));
    expect(claims?.rows).toBe(batches[0]!.rows.claims);
  });

  it('pages, sorts and filters in DuckDB; totals match a direct count of the file', async () => {
    const csv = join(dir, 'generated', 'batch=1', 'claims', 'part-00000.csv');
    const db = await openDuckDB();
    const expected = await queryNumber(
      db.conn,
      `SELECT count(*) FROM read_csv('${csv}', header = true, all_varchar = true, null_padding = true, strict_mode = false, quote = '"', escape = '"') WHERE claim_status = 'paid'`,
    );
    db.close();
    const page = await ok(service.call('datasets.page', { ref: claimsRef, offset: 0, limit: 50, filters: [{ column: 'claim_status', op: 'eq', value: 'paid' }], sort: [{ column: 'billed_amount', dir: 'desc' }] }));
    expect(page.total).toBe(expected);
    expect(page.rows.length).toBe(50);
    const billed = page.columns.findIndex((c) => c.name === 'billed_amount');
    const values = page.rows.map((r) => Number(r[billed])).filter((v) => !Number.isNaN(v));
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  it('refuses unknown datasets and columns instead of splicing them into SQL', async () => {
    const badName = await service.call('datasets.page', { ref: { ...claimsRef, name: 'claims; DROP TABLE x' }, offset: 0, limit: 10 });
    expect(badName.ok).toBe(false);
    const badSort = await service.call('datasets.page', { ref: claimsRef, offset: 0, limit: 10, sort: [{ column: 'claim_id" DESC; --', dir: 'asc' }] });
    expect(badSort).toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'sort.0.column' }] } });
    const badTable = await service.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.claims' }, offset: 0, limit: 10 });
    expect(badTable).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('binds filter values: an injection attempt is just a value that matches nothing', async () => {
    const page = await ok(service.call('datasets.page', { ref: claimsRef, offset: 0, limit: 10, filters: [{ column: 'claim_id', op: 'eq', value: "x' OR '1'='1" }] }));
    expect(page.total).toBe(0);
  });

  it('profiles a raw text column against its contract type', async () => {
    const p = await ok(service.call('datasets.profile', { ref: claimsRef, column: 'billed_amount' }));
    expect(p.contractType).toMatch(/^decimal/);
    expect(p.rows).toBeGreaterThan(2900);
    expect(p.unparseable).toBeGreaterThan(0);
    expect(p.histogram?.length).toBe(20);
    expect(p.top.length).toBeGreaterThan(0);
  });
});
