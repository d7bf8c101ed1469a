// Datasets are read through DuckDB with names checked against what exists and values bound as
// parameters: a hostile name or value is refused or matches nothing, never runs as SQL.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryNumber } from '../../duckdb/connection.ts';
import { tempDir } from '../../testing/tmp.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';

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

describe('sorted pages of a warehouse table', () => {
  let ws: { dir: string; cleanup: () => Promise<void> };
  let svc: ClaimsService;
  beforeAll(async () => {
    ws = await tempDir('claims-sorted-');
    // ties, nulls and several row groups: the cases where a bound on the first key could go wrong
    const db = await openDuckDB({ path: join(ws.dir, 'warehouse.duckdb') });
    await db.conn.run(`CREATE SCHEMA raw; CREATE TABLE raw.t AS
      SELECT range AS id, CASE WHEN range % 97 = 0 THEN NULL ELSE (range * 7919) % 1000 END::DECIMAL(10,2) AS k,
             'v' || ((range * 31) % 50) AS s, DATE '2024-01-01' + (range % 400)::INTEGER AS d
      FROM range(300000)`);
    db.close();
    svc = createClaimsService({ workspace: ws.dir, log: () => {} });
  });
  afterAll(async () => {
    await svc.close();
    await ws.cleanup();
  });

  async function expected(orderBy: string, where = '', limit = 200, offset = 0): Promise<string[]> {
    const r = await svc.call('sql.query', { sql: `SELECT id FROM raw.t ${where} ORDER BY ${orderBy}, rowid LIMIT ${limit} OFFSET ${offset}` });
    if (!r.ok) throw new Error(r.error.message);
    return r.result.rows.map((x) => String(x[0]));
  }

  for (const [label, sort, orderBy] of [
    ['decimal desc, ties', [{ column: 'k', dir: 'desc' }], 'k DESC NULLS LAST'],
    ['decimal asc, ties', [{ column: 'k', dir: 'asc' }], 'k ASC NULLS LAST'],
    ['text then date', [{ column: 's', dir: 'asc' }, { column: 'd', dir: 'desc' }], 's ASC NULLS LAST, d DESC NULLS LAST'],
  ] as const) {
    it(`matches a full ORDER BY page for page: ${label}`, async () => {
      for (const offset of [0, 200, 12_000]) {
        const page = await svc.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.t' }, offset, limit: 200, sort: [...sort] });
        if (!page.ok) throw new Error(page.error.message);
        expect(page.result.rows.map((r) => String(r[0])), `offset ${offset}`).toEqual(await expected(orderBy, '', 200, offset));
      }
    });
  }

  it('reaches the nulls at the end of a sort, and combines with filters', async () => {
    const count = await svc.call('sql.query', { sql: "SELECT count(k) FROM raw.t WHERE s = 'v7'" });
    if (!count.ok) throw new Error(count.error.message);
    const nonNull = Number(count.result.rows[0]![0]);
    // a page straddling the last values and the first nulls
    const last = await svc.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.t' }, offset: nonNull - 100, limit: 200, sort: [{ column: 'k', dir: 'desc' }], filters: [{ column: 's', op: 'eq', value: 'v7' }] });
    if (!last.ok) throw new Error(last.error.message);
    expect(last.result.rows.map((r) => String(r[0]))).toEqual(await expected('k DESC NULLS LAST', "WHERE s = 'v7'", 200, nonNull - 100));
    expect(last.result.rows.at(-1)![1]).toBeNull();
    const filtered = await svc.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.t' }, offset: 0, limit: 200, sort: [{ column: 'k', dir: 'desc' }], filters: [{ column: 's', op: 'eq', value: 'v7' }] });
    if (!filtered.ok) throw new Error(filtered.error.message);
    expect(filtered.result.rows.map((r) => String(r[0]))).toEqual(await expected('k DESC NULLS LAST', "WHERE s = 'v7'"));
  });
});

describe('paths stay inside the workspace', () => {
  // what an attacker with write access to the workspace folder might plant
  const manifest = (batch: number, key: string) =>
    JSON.stringify({ batch, landed_at: '2024-01-01T00:00:00Z', datasets: { claims: { rows: 1, files: [{ key, rows: 1, bytes: 1, sha256: 'x' }] } } });
  const refused = (r: { ok: boolean }) => {
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('root:x:0:0');
  };

  it('refuses a planted raw manifest whose file key climbs out of the lake', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'lake', '_manifests'), { recursive: true });
    writeFileSync(join(dir, 'lake', '_manifests', 'batch=999.json'), manifest(999, '../../../../../../../../etc/passwd'));
    const r = await service.call('datasets.page', { ref: { source: 'raw', name: 'claims', batch: 999 }, offset: 0, limit: 10 });
    refused(r);
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('resolves outside') } });
    writeFileSync(join(dir, 'lake', '_manifests', 'batch=998.json'), manifest(998, '/etc/passwd'));
    refused(await service.call('datasets.page', { ref: { source: 'raw', name: 'claims', batch: 998 }, offset: 0, limit: 10 }));
  });

  it('refuses a lake file that is a symlink to somewhere outside', async () => {
    const { mkdirSync, symlinkSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'lake', 'raw', 'csv', 'claims', 'batch=997'), { recursive: true });
    symlinkSync('/etc/passwd', join(dir, 'lake', 'raw', 'csv', 'claims', 'batch=997', 'part-00000.csv'));
    writeFileSync(join(dir, 'lake', '_manifests', 'batch=997.json'), manifest(997, 'raw/csv/claims/batch=997/part-00000.csv'));
    refused(await service.call('datasets.page', { ref: { source: 'raw', name: 'claims', batch: 997 }, offset: 0, limit: 10 }));
  });

  it('refuses a generated file that is a symlink to somewhere outside', async () => {
    const { mkdirSync, symlinkSync } = await import('node:fs');
    mkdirSync(join(dir, 'generated', 'batch=996', 'claims'), { recursive: true });
    symlinkSync('/etc/passwd', join(dir, 'generated', 'batch=996', 'claims', 'part-00000.csv'));
    refused(await service.call('datasets.page', { ref: { source: 'generated', name: 'claims', batch: 996 }, offset: 0, limit: 10 }));
    refused(await service.call('datasets.list', {}));
  });
});
