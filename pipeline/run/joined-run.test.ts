// One stage per invocation under one run id, as an Airflow DAG run drives the pipeline: through
// the launcher, and through the CLI with the flags and exit codes the DAG relies on.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns, loadRun, readEvents } from '../orchestrator/store.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { tempDir } from '../testing/tmp.ts';
import { startPipelineRun } from './index.ts';
import { lockWorkspace, workspaceHolder } from './lock.ts';
import { nextBatch } from './next-batch.ts';

const execFileP = promisify(execFile);
const NO_DBT = ['generate', 'ingest', 'cleanse', 'load', 'verify'] as const;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function workspace(profile: string): Promise<string> {
  const { dir, cleanup } = await tempDir('ws-joined-');
  cleanups.push(cleanup);
  await writeFile(join(dir, 'profiles.yaml'), profile);
  return dir;
}

const SMALL = (claims = 3000, extra = '') => `active: small
profiles:
  small:
    generate: { seed: 5, members: 300, providers: 60, claims: ${claims}, dirty_rate: 0.01 }
    retry: { max_attempts: 3, base_delay_ms: 0 }
${extra}`;

/** The CLI as a task runs it; resolves with its exit code and output whatever the code. */
async function claims(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, ['bin/claims.mjs', ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('nextBatch', () => {
  it('is the batch after the last one loaded, 1 on an empty warehouse, null past the timeline', () => {
    expect(nextBatch([])).toBe(1);
    expect(nextBatch([1, 2, 2, 3])).toBe(4);
    expect(nextBatch([3, 1])).toBe(4);
    expect(nextBatch([36])).toBeNull();
  });
});

describe('a run joined stage by stage', () => {
  it('records one run with its stages, trigger and batch, taking the workspace lock per invocation only', async () => {
    const ws = await workspace(SMALL());
    const runId = '20250201-060000-00aa11';
    // dbt is left out to stay quick (the Airflow tests run the whole DAG): transform stays pending
    for (const stage of NO_DBT) {
      const { record, summary } = await startPipelineRun({ workspace: ws, batch: 'next', stages: [stage], runId, trigger: 'airflow', retries: 0 });
      expect(summary.stages.find((s) => s.name === stage)?.status, stage).toBe('succeeded');
      expect(record.status).toBe('running');
      // between invocations nobody holds the workspace: the app or the CLI may use it
      expect(workspaceHolder(ws)).toBeNull();
    }
    const runs = await listRuns(ws);
    expect(runs.map((r) => [r.runId, r.status, r.trigger, r.batch, r.endedAt])).toEqual([[runId, 'running', 'airflow', 1, null]]);
    expect(runs[0]!.stages.map((s) => [s.name, s.status])).toEqual(PIPELINE_STAGES.map((s) => [s, s === 'transform' ? 'pending' : 'succeeded']));
    const events = await readEvents(ws, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'run.joined')).toHaveLength(NO_DBT.length - 1);
    // the caller owns retries: one attempt each
    expect(events.filter((e) => e.type === 'stage.started').map((e) => (e.type === 'stage.started' ? e.maxAttempts : 0))).toEqual(NO_DBT.map(() => 1));

    // the next DAG run takes the next batch; landing it again is a no-op that says so
    const second = '20250202-060000-00bb22';
    const gen = await startPipelineRun({ workspace: ws, batch: 'next', stages: ['generate', 'ingest'], runId: second, trigger: 'airflow' });
    expect(gen.record.batch).toBe(2);
    const again = await startPipelineRun({ workspace: ws, batch: 'next', stages: ['ingest'], runId: second, trigger: 'airflow' });
    expect(again.record.batch).toBe(2);
    expect(again.record.stages[1]).toMatchObject({ status: 'succeeded', attempts: 2, result: { summary: 'already landed (no-op)', noop: true } });
  });
});

describe('claims run for an outside orchestrator', () => {
  it('takes --run-id, --trigger, --retries and --batch next, and says when a stage had nothing to do', async () => {
    const ws = await workspace(SMALL(2000));
    const runId = '20250203-060000-00cc33';
    const common = ['run', '--workspace', ws, '--run-id', runId, '--trigger', 'airflow', '--retries', '0', '--batch', 'next', '--verbose'];
    const gen = await claims([...common, '--stages', 'generate']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stderr).toMatch(new RegExp(`Run ${runId} .*trigger airflow`));
    expect(gen.stderr).toMatch(/generate: generated batch 1 as of/);
    expect(gen.stdout).toMatch(new RegExp(`Run ${runId} running its other stages run in other invocations`));
    const again = await claims([...common, '--stages', 'generate']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`Run ${runId} joined by airflow for generate`));
    expect(again.stdout).toMatch(/✔ generate .*already generated \(no-op\)/);
    const record = await loadRun(ws, runId);
    expect(record.stages[0]).toMatchObject({ status: 'succeeded', attempts: 2, result: { noop: true } });
  });

  it('exits 1 when a stage fails for good, with its message, and leaves downstream stages pending', async () => {
    const ws = await workspace(SMALL(2000));
    const runId = '20250204-060000-00dd44';
    const common = ['run', '--workspace', ws, '--run-id', runId, '--trigger', 'airflow', '--retries', '0'];
    expect((await claims([...common, '--stages', 'generate'])).code).toBe(0);
    // a quoted field never closed: ingest lands the file as it is, the cleanse refuses it
    const part = join(ws, 'generated/batch=1/claims/part-00000.csv');
    const lines = (await readFile(part, 'utf8')).split('\n');
    lines[7] = lines[7]!.replace(/,(professional|pharmacy|institutional),/, ',"$1,');
    await writeFile(part, lines.join('\n'));
    expect((await claims([...common, '--stages', 'ingest'])).code).toBe(0);
    const failed = await claims([...common, '--stages', 'cleanse']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/✖ cleanse .*part-00000\.csv line 8: a quoted field is never closed/);
    const record = await loadRun(ws, runId);
    expect(record.status).toBe('failed');
    expect(record.error).toMatchObject({ stage: 'cleanse', retryable: false });
    expect(record.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'failed', 'pending', 'pending', 'pending']);
  });

  it('exits 75 (try again) on a retryable failure and on a busy workspace', async () => {
    const ws = await workspace(SMALL(400_000, '    timeouts: { generate: 1 }\n'));
    const runId = '20250205-060000-00ee55';
    const timedOut = await claims(['run', '--workspace', ws, '--run-id', runId, '--trigger', 'airflow', '--retries', '0', '--stages', 'generate']);
    expect(timedOut.code).toBe(75);
    expect(timedOut.stderr).toMatch(/Stage "generate" timed out after 1s \(attempt 1\)/);
    expect((await loadRun(ws, runId)).error).toMatchObject({ stage: 'generate', retryable: true });

    const unlock = await lockWorkspace(ws, 'run', 'another claims run');
    try {
      const busy = await claims(['run', '--workspace', ws, '--run-id', runId, '--trigger', 'airflow', '--stages', 'generate']);
      expect(busy.code).toBe(75);
      expect(busy.stderr).toMatch(/is busy: another claims run/);
    } finally {
      await unlock();
    }
  });

  it('refuses a run id that is not one, and --run-id with --resume', async () => {
    const bad = await claims(['run', '--run-id', 'manual__2025-01-31T06:00:00+00:00']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--run-id: "manual__2025-01-31T06:00:00\+00:00" is not a run id/);
    const both = await claims(['run', '--run-id', '20250131-060000-a1b2c3', '--resume', '20250131-060000-a1b2c3']);
    expect(both.stderr).toMatch(/either joined or resumed/);
  });
});
