import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../duckdb/connection.ts';
import type { RunEvent } from '../orchestrator/types.ts';
import { startPipelineRun } from '../run/index.ts';
import { isAlive } from '../run/lock.ts';
import { tempDir } from '../testing/tmp.ts';
import type { DbtNodeResult } from './types.ts';
import { DbtTransformer } from './dbt.ts';
import { oneShotDbt } from './dbt-process.ts';
import { DbtWorker } from './dbt-worker.ts';

// The app's dbt process, with real dbt (dbt-duckdb) on a small warehouse built by the pipeline.
describe('the app’s dbt process', () => {
  const worker = new DbtWorker();
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await worker.stop();
    for (const c of cleanups) await c();
  });

  it('serves one run after another from one process, lets the warehouse go after each build, sees each build’s data, reports a refused build, and is replaced after a cancelled build', async () => {
    const { dir: ws, cleanup } = await tempDir('ws-dbt-worker-');
    cleanups.push(cleanup);
    await writeFile(join(ws, 'profiles.yaml'), 'active: t\nprofiles:\n  t:\n    generate: { seed: 5, members: 600, providers: 100, claims: 4000, dirty_rate: 0.01 }\n    retry: { max_attempts: 1 }\n');
    const warehouse = join(ws, 'warehouse.duckdb');

    const first = await startPipelineRun({ workspace: ws, batch: 1 }, { dbt: worker });
    expect(first.summary.status).toBe('succeeded');
    const nodes = first.record.stages.find((s) => s.name === 'transform')!.result!.outputs!.nodes as DbtNodeResult[];
    expect(nodes.filter((n) => n.resource_type === 'model').length).toBeGreaterThan(20);
    expect(nodes.filter((n) => !['success', 'pass', 'no-op'].includes(n.status))).toEqual([]);
    const pid = worker.pid!;
    expect(isAlive(pid)).toBe(true);

    // a build dbt refuses before running anything fails as such, either way dbt runs, though the
    // workspace still holds the last build's results; the process goes on serving
    for (const dbt of [oneShotDbt, worker]) {
      const refused = new DbtTransformer({ target: 'local', threads: 1, env: { CLAIMS_WAREHOUSE: warehouse }, workDir: join(ws, 'dbt'), args: ['--no-such-flag'] }, dbt);
      await expect(refused.build({ artifactsDir: join(ws, 'refused') })).rejects.toThrow(/dbt build exited with code 2 before running anything: [\s\S]*no-such-flag/);
    }
    expect(worker.pid).toBe(pid);

    // the process holds no lock on the warehouse between builds: the next run's load stage (here, a writer) opens it
    const db = await openDuckDB({ path: warehouse });
    await db.conn.run(`UPDATE raw.members SET last_name = NULL WHERE member_id IN (SELECT member_id FROM raw.members ORDER BY member_id LIMIT 2)`);
    db.close();
    const failing = await startPipelineRun({ workspace: ws, batch: 1, stages: ['transform'] }, { dbt: worker });
    expect(failing.summary.status).toBe('failed');
    expect(failing.summary.stages.find((s) => s.name === 'transform')!.error).toMatch(/test row_rules_stg_payer__members failed with 2 failing rows/);
    expect(worker.pid).toBe(pid);

    // cancelled mid-build: the run says so and the process is gone (an interrupted dbt is not trusted again)
    const controller = new AbortController();
    const onEvent = (e: RunEvent) => {
      if (e.type === 'stage.progress' && e.stage === 'transform') controller.abort(new Error('cancelled by the test'));
    };
    const cancelled = await startPipelineRun({ workspace: ws, batch: 1, stages: ['transform'] }, { dbt: worker, signal: controller.signal, onEvent });
    expect(cancelled.summary.status).toBe('cancelled');
    expect(worker.pid).toBeUndefined();
    expect(isAlive(pid)).toBe(false);

    // the next build starts a new process and reads the data as it is now
    const fix = await openDuckDB({ path: warehouse });
    await fix.conn.run(`UPDATE raw.members SET last_name = 'Restored' WHERE last_name IS NULL`);
    fix.close();
    const again = await startPipelineRun({ workspace: ws, batch: 1, stages: ['transform'] }, { dbt: worker });
    expect(again.summary.status).toBe('succeeded');
    const next = worker.pid!;
    expect(next).not.toBe(pid);

    await worker.stop();
    expect(worker.pid).toBeUndefined();
    expect(isAlive(next)).toBe(false);
  }, 600_000);
});
