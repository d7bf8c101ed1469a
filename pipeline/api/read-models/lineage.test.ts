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
    // 'pending' is not an accepted value: one failing row, stored by dbt and linked
    expect(accepted).toMatchObject({ status: 'warn', failures: 1, column: 'claim_status' });
    expect(accepted.failuresRelation).toMatch(/^test_failures\./);
    const rows = await service.call('datasets.page', { ref: { source: 'warehouse', name: accepted.failuresRelation! }, offset: 0, limit: 10 });
    expect(rows).toMatchObject({ ok: true, result: { total: 1 } });
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
    expect(relationToName('"db"."test_failures"."a ""quoted"" name"')).toBe('test_failures.a "quoted" name');
    expect(relationToName(null)).toBeNull();
  });
});
