import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryNumber } from '../duckdb/connection.ts';
import type { RunEvent } from '../orchestrator/types.ts';
import { startPipelineRun } from '../run/index.ts';
import { tempDir } from '../testing/tmp.ts';
import type { DbtNodeResult } from '../transform/types.ts';

// Real dbt (dbt-duckdb) on a small warehouse built by the pipeline itself.
describe('transform stage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('builds the dbt project, records every node, ends a healthy run with no warnings, and fails on an error-severity test naming it and its failing rows', async () => {
    const { dir: ws, cleanup } = await tempDir('ws-dbt-');
    cleanups.push(cleanup);
    await writeFile(join(ws, 'profiles.yaml'), 'active: t\nprofiles:\n  t:\n    generate: { seed: 4, members: 800, providers: 120, claims: 6000, dirty_rate: 0.01 }\n    retry: { max_attempts: 1 }\n');
    const events: RunEvent[] = [];
    const ok = await startPipelineRun({ workspace: ws, batch: 1 }, { onEvent: (e) => events.push(e) });
    expect(ok.summary.status).toBe('succeeded');
    const transform = ok.record.stages.find((s) => s.name === 'transform')!;
    const nodes = transform.result!.outputs!.nodes as DbtNodeResult[];
    const models = nodes.filter((n) => n.resource_type === 'model');
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['fct_claims', 'dim_members', 'dim_providers', 'dim_date', 'dim_diagnosis', 'mart_pmpm_monthly', 'stg_payer__claims']));
    expect(models.every((m) => m.status === 'success' && m.seconds >= 0)).toBe(true);
    const tests = nodes.filter((n) => n.resource_type === 'test');
    // one row_rules test per model holds its rules (values, ranges, relationships, uniqueness); SCD2 history and the singular tests stand alone
    expect(tests.length).toBeGreaterThan(35);
    expect(tests.filter((t) => t.name.startsWith('row_rules_')).length).toBeGreaterThanOrEqual(30);
    expect(tests.filter((t) => /^(unique|relationships|not_null|accepted_values)_/.test(t.name)).map((t) => t.name)).toEqual([]);
    // reports are marts, not tests: a healthy run has every test passing and no dbt warning
    expect(tests.filter((t) => t.status !== 'pass').map((t) => `${t.name}: ${t.status}`)).toEqual([]);
    expect(transform.result!.summary).not.toMatch(/warn/);
    expect(events.filter((e) => e.type === 'stage.log' && e.stage === 'transform' && e.level === 'warn').map((e) => (e.type === 'stage.log' ? e.message : ''))).toEqual([]);
    expect(nodes.filter((n) => n.resource_type === 'snapshot').map((n) => n.status)).toEqual(['success', 'success']);
    // progress came from dbt's structured log, node by node
    const progress = events.filter((e) => e.type === 'stage.progress' && e.stage === 'transform');
    expect(progress.length).toBeGreaterThan(20);

    // break a financial invariant in the loaded data: the invariant test must fail the stage
    const db = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    await db.conn.run(`UPDATE raw.claims SET paid_amount = allowed_amount + 10 WHERE claim_id IN (SELECT claim_id FROM raw.claims WHERE claim_status = 'paid' LIMIT 3)`);
    await db.conn.run(`UPDATE raw.members SET last_name = NULL WHERE member_id IN (SELECT member_id FROM raw.members LIMIT 2)`);
    // a version sent twice and a claim of a provider nobody knows: the same test names both
    await db.conn.run(`INSERT INTO raw.claims SELECT * FROM raw.claims WHERE claim_status = 'denied' ORDER BY claim_id LIMIT 1`);
    await db.conn.run(`UPDATE raw.claims SET provider_id = '0000000000' WHERE rowid = (SELECT min(rowid) FROM raw.claims WHERE claim_status = 'received')`);
    db.close();
    const failed = await startPipelineRun({ workspace: ws, batch: 1, stages: ['transform'] });
    expect(failed.summary.status).toBe('failed');
    const error = failed.summary.stages.find((s) => s.name === 'transform')!.error!;
    expect(error).toMatch(/dbt build failed: .*test row_rules_stg_payer__claims failed with 6 failing rows/);
    expect(error).toMatch(/test row_rules_stg_payer__members failed with 2 failing rows/);
    // the test's own query names each row's broken rules
    const manifest = JSON.parse(await readFile(join(ws, 'dbt-target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; compiled_code?: string }> };
    const compiled = Object.values(manifest.nodes).find((n) => n.name === 'row_rules_stg_payer__claims')!.compiled_code!;
    const reader = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    const reasons = (await reader.conn.runAndReadAll(`SELECT failed_rules, count(*)::INTEGER AS n FROM (${compiled}) GROUP BY ALL ORDER BY ALL`)).getRowObjectsJS();
    reader.close();
    expect(reasons.map((r) => [r.failed_rules, r.n])).toEqual([
      ['(claim_id, claim_version) not unique', 2],
      ['amounts_ordered; paid_claims_balance', 3],
      ['provider_id not in stg_payer__providers.provider_id', 1],
    ]);
    // dbt stored no failure tables: the rows are read on demand with the test's query
    const after = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    expect(await queryNumber(after.conn, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'test_failures'")).toBe(0);
    after.close();
  }, 600_000);
});
