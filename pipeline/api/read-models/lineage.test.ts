// Lineage and dbt test results read from the artifacts of a real dbt run (dbt-duckdb from the
// project's .venv) on a tiny project, as the transform stage leaves them in dbt-target/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../../duckdb/connection.ts';
import { tempDir } from '../../testing/tmp.ts';
import { relationToName } from './lineage.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dbt = join(root, '.venv', 'bin', 'dbt');
const haveDbt = existsSync(dbt);

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;

describe.skipIf(!haveDbt)(`lineage from a dbt run${haveDbt ? '' : ' (skipped: no dbt in .venv; run npm run setup)'}`, () => {
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('claims-lineage-'));
    const warehouse = join(dir, 'warehouse.duckdb');
    const db = await openDuckDB({ path: warehouse });
    await db.conn.run(`CREATE SCHEMA raw;
      CREATE TABLE raw.claims AS SELECT * FROM (VALUES ('C1', 1, 'paid'), ('C1', 2, 'denied'), ('C2', 1, 'pending'), ('C3', 1, 'paid')) t(claim_id, claim_version, claim_status)`);
    db.close();
    const project = join(dir, 'project');
    cpSync(join(root, 'pipeline', 'api', 'read-models', 'testdata', 'dbt-mini'), project, { recursive: true });
    const r = spawnSync(dbt, ['build', '--project-dir', project, '--profiles-dir', project, '--target-path', join(dir, 'dbt-target'), '--log-path', join(dir, 'dbt-logs')], {
      env: { ...process.env, CLAIMS_TEST_WAREHOUSE: warehouse, DO_NOT_TRACK: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`dbt build failed:\n${r.stdout}\n${r.stderr}`);
    service = createClaimsService({ workspace: dir, log: () => {} });
  });

  afterAll(async () => {
    await service?.close();
    await cleanup?.();
  });

  it('lays the graph out by layer with edges from depends_on', async () => {
    const r = await service.call('lineage.graph', {});
    if (!r.ok || !r.result.available) throw new Error(JSON.stringify(r));
    const byName = new Map(r.result.nodes.map((n) => [n.name, n]));
    expect(byName.get('raw.claims')).toMatchObject({ kind: 'source', layer: 'source' });
    expect(byName.get('stg_raw__claims')).toMatchObject({ kind: 'model', layer: 'staging', materialized: 'view', status: 'success', relation: 'staging.stg_raw__claims', tests: 2 });
    expect(byName.get('fct_claims')).toMatchObject({ layer: 'marts', materialized: 'table', relation: 'marts.fct_claims', tests: 1 });
    const id = (n: string) => byName.get(n)!.id;
    expect(r.result.edges).toEqual(expect.arrayContaining([{ from: id('raw.claims'), to: id('stg_raw__claims') }, { from: id('stg_raw__claims'), to: id('fct_claims') }]));
    expect(r.result.runAt).not.toBeNull();
  });

  it('describes a model: columns, SQL, compiled SQL, tests and last run', async () => {
    const graph = await service.call('lineage.graph', {});
    if (!graph.ok || !graph.result.available) throw new Error('no graph');
    const stg = graph.result.nodes.find((n) => n.name === 'stg_raw__claims')!;
    const r = await service.call('lineage.node', { id: stg.id });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.result.columns.map((c) => c.name)).toEqual(['claim_id', 'claim_status']);
    expect(r.result.sql).toContain("source('raw', 'claims')");
    expect(r.result.compiledSql).toMatch(/"raw"\."claims"/);
    expect(r.result.lastRun?.status).toBe('success');
    const accepted = r.result.testResults.find((t) => t.name.startsWith('accepted_values'))!;
    // 'pending' is not an accepted value: one failing row, read on demand with the test's compiled SQL
    expect(accepted).toMatchObject({ status: 'warn', failures: 1, column: 'claim_status', failingRows: true });
    const rows = await service.call('quality.failingRows', { id: accepted.id });
    if (!rows.ok) throw new Error(rows.error.message);
    expect(rows.result).toMatchObject({ test: accepted.name, truncated: false });
    // the count is a BIGINT: readers hand those back as strings
    expect(rows.result.rows.map(([value, n]) => [value, Number(n)])).toEqual([['pending', 1]]);
    expect(rows.result.columns.map((c) => c.name)).toEqual(['value_field', 'n_records']);
    expect(rows.result.sql).toMatch(/"staging"\."stg_raw__claims"/);
    // no failure tables: dbt stores none
    const tables = await service.call('datasets.list', {});
    if (!tables.ok) throw new Error(tables.error.message);
    expect(JSON.stringify(tables.result)).not.toMatch(/test_failures/);
  });

  it('reads failing rows as they are now, with a row limit, and refuses what is not a test', async () => {
    const graph = await service.call('lineage.graph', {});
    if (!graph.ok || !graph.result.available) throw new Error('no graph');
    const test = graph.result.nodes.find((n) => n.kind === 'test' && n.name.startsWith('accepted_values'))!;
    // the app lets go of the warehouse, a writer adds two claims with statuses the test refuses
    await service.close();
    const db = await openDuckDB({ path: join(dir, 'warehouse.duckdb') });
    await db.conn.run(`INSERT INTO raw.claims VALUES ('C4', 1, 'lost'), ('C5', 1, 'stolen')`);
    db.close();
    service = createClaimsService({ workspace: dir, log: () => {} });
    const all = await service.call('quality.failingRows', { id: test.id });
    if (!all.ok) throw new Error(all.error.message);
    expect(all.result.rows.map((r) => r[0]).sort()).toEqual(['lost', 'pending', 'stolen']);
    const one = await service.call('quality.failingRows', { id: test.id, limit: 1 });
    if (!one.ok) throw new Error(one.error.message);
    expect(one.result).toMatchObject({ truncated: true, limit: 1 });
    expect(one.result.rows).toHaveLength(1);
    const model = graph.result.nodes.find((n) => n.name === 'fct_claims')!;
    expect(await service.call('quality.failingRows', { id: model.id })).toMatchObject({ ok: false });
    expect(await service.call('quality.failingRows', { id: 'test.nope.nothing' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('lists every test in the quality overview', async () => {
    const r = await service.call('quality.overview', {});
    if (!r.ok || !r.result.tests.available) throw new Error(JSON.stringify(r));
    expect(r.result.tests.results?.map((t) => t.status).sort()).toEqual(['pass', 'pass', 'warn']);
  });

  it('refuses ids that are not in the manifest', async () => {
    expect(await service.call('lineage.node', { id: 'model.nope.nothing' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // names of built-in object members are not nodes
    for (const id of ['constructor', 'toString', '__proto__']) expect(await service.call('lineage.node', { id }), id).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('relation names', () => {
  it('turns dbt relation names into schema.table', () => {
    expect(relationToName('"warehouse"."marts"."fct_claims"')).toBe('marts.fct_claims');
    expect(relationToName('"db"."marts"."a ""quoted"" name"')).toBe('marts.a "quoted" name');
    expect(relationToName(null)).toBeNull();
  });
});
