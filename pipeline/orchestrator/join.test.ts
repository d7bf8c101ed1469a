// Joined runs: an outside orchestrator runs the stages one invocation each, under one run id.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPipeline, type RunPipelineOptions } from './runner.ts';
import { listRuns, loadRun, readEvents, runDir, RunBusyError, saveRun, settleInterruptedRuns } from './store.ts';
import { StageError, type RunEvent, type RunOptions, type Stage, type StageContext, type StageName, type StageResult } from './types.ts';

const STAGE_NAMES = ['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify'] as const;
const RUN_ID = '20250131-060000-a1b2c3';

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'orchestrator-join-'));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

type Impl = (ctx: StageContext) => Promise<StageResult>;

function pipeline(impls: Partial<Record<StageName, Impl>> = {}) {
  const seen: Record<string, string[]> = {};
  const stages: Stage[] = STAGE_NAMES.map((name, i) => ({
    name,
    dependsOn: i === 0 ? [] : [STAGE_NAMES[i - 1] as StageName],
    run: async (ctx) => {
      seen[name] = Object.keys(ctx.results);
      ctx.log('info', `${name} working`);
      return (impls[name] ?? (async () => ({ rows: { [name]: i + 1 }, summary: `${name} done` })))(ctx);
    },
  }));
  return { stages, seen };
}

const options = (stages: StageName[], extra: Partial<RunOptions> = {}): RunOptions => ({ profile: 'local', workspace, batch: 1, stages, ...extra });

function runner(extra: Partial<RunPipelineOptions> = {}): RunPipelineOptions {
  return {
    retry: () => ({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, jitter: 0 }),
    timeoutMs: () => 10_000,
    trigger: 'airflow',
    joinRunId: RUN_ID,
    sleep: async () => undefined,
    ...extra,
  };
}

/** Seqs are 1, 2, 3, … in file order: none repeated, none missing. */
function expectNumbered(events: RunEvent[]) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

describe('joined runs', () => {
  it('records one run with every stage when each stage runs in its own invocation', async () => {
    const { stages, seen } = pipeline();
    const first = await runPipeline(stages, options(['generate']), runner());
    expect(first).toMatchObject({ runId: RUN_ID, status: 'running', trigger: 'airflow', joinable: true, endedAt: null });
    expect(first.stages.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending', 'pending', 'pending', 'pending']);
    // the record holds the whole run's options, not the first invocation's selection
    expect(first.options.stages).toBeUndefined();

    for (const name of STAGE_NAMES.slice(1, -1)) {
      const mid = await runPipeline(stages, options([name]), runner());
      expect(mid.status).toBe('running');
    }
    const last = await runPipeline(stages, options(['verify']), runner());

    expect(last.status).toBe('succeeded');
    expect(last.endedAt).not.toBeNull();
    expect(last.stages.map((s) => [s.name, s.status, s.attempts, s.result?.summary])).toEqual(STAGE_NAMES.map((n) => [n, 'succeeded', 1, `${n} done`]));
    // a later invocation sees the results the earlier ones recorded
    expect(seen.verify).toEqual(['generate', 'ingest', 'cleanse', 'load', 'transform']);
    expect((await listRuns(workspace)).map((r) => r.runId)).toEqual([RUN_ID]);

    const events = await readEvents(workspace, RUN_ID);
    expectNumbered(events);
    const kinds = events.filter((e) => e.type.startsWith('run.')).map((e) => e.type);
    expect(kinds).toEqual(['run.started', 'run.joined', 'run.joined', 'run.joined', 'run.joined', 'run.joined', 'run.finished']);
    expect(events[0]).toMatchObject({ type: 'run.started', plan: [...STAGE_NAMES], trigger: 'airflow' });
    expect(events.filter((e) => e.type === 'run.joined').map((e) => (e.type === 'run.joined' ? e.stages : []))).toEqual(STAGE_NAMES.slice(1).map((n) => [n]));
    expect(events.filter((e) => e.type === 'stage.log').map((e) => (e.type === 'stage.log' ? e.message : ''))).toEqual(STAGE_NAMES.map((n) => `${n} working`));
    expect(await loadRun(workspace, RUN_ID)).toEqual(last);
  });

  it('fails the run when a stage fails, and runs again when the orchestrator retries that stage', async () => {
    let cleanseCalls = 0;
    const { stages } = pipeline({
      cleanse: async () => {
        cleanseCalls++;
        if (cleanseCalls === 1) throw new Error('connection reset');
        return { summary: 'cleansed' };
      },
    });
    for (const name of ['generate', 'ingest'] as const) await runPipeline(stages, options([name]), runner());
    const failed = await runPipeline(stages, options(['cleanse']), runner());

    expect(failed.status).toBe('failed');
    expect(failed.endedAt).not.toBeNull();
    expect(failed.error).toMatchObject({ stage: 'cleanse', message: 'connection reset', retryable: true });
    expect(failed.error?.hint).toMatch(/same run id/);
    expect(failed.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'failed', 'pending', 'pending', 'pending']);

    // the orchestrator's retry: the same stage, the same run id
    const retried = await runPipeline(stages, options(['cleanse']), runner());
    expect(retried.status).toBe('running');
    expect(retried.error).toBeUndefined();
    expect(retried.endedAt).toBeNull();
    expect(retried.stages[2]).toMatchObject({ name: 'cleanse', status: 'succeeded', attempts: 2, result: { summary: 'cleansed' } });
    expect(retried.stages[2]!.error).toBeUndefined();

    for (const name of ['load', 'transform', 'verify'] as const) await runPipeline(stages, options([name]), runner());
    expect((await loadRun(workspace, RUN_ID)).status).toBe('succeeded');

    const events = await readEvents(workspace, RUN_ID);
    expectNumbered(events);
    const cleanse = events.filter((e) => 'stage' in e && e.stage === 'cleanse').map((e) => `${e.type}#${'attempt' in e ? e.attempt : ''}`);
    expect(cleanse).toEqual(['stage.started#1', 'stage.log#1', 'stage.failed#1', 'stage.started#2', 'stage.log#2', 'stage.succeeded#2']);
    expect(events.filter((e) => e.type === 'run.finished').map((e) => (e.type === 'run.finished' ? e.status : ''))).toEqual(['failed', 'succeeded']);
  });

  it('records whether a failure may go away on a retry', async () => {
    const { stages } = pipeline({ generate: async () => Promise.reject(new StageError('claims.csv, line 3: bad date', { retryable: false })) });
    const run = await runPipeline(stages, options(['generate']), runner());
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'generate', retryable: false });
    expect(run.stages[0]!.error).toMatchObject({ message: 'claims.csv, line 3: bad date', retryable: false });
  });

  it('lets one of two invocations for the same run write it, and refuses the other', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { stages } = pipeline({ generate: async () => (await gate, { summary: 'slow' }) });
    const slow = runPipeline(stages, options(['generate']), runner());
    // the first holds the run's claim while its stage runs
    await new Promise((r) => setTimeout(r, 200));
    await expect(runPipeline(stages, options(['ingest']), runner())).rejects.toBeInstanceOf(RunBusyError);
    release();
    const done = await slow;

    expect(done.stages.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expect(await loadRun(workspace, RUN_ID)).toEqual(done);
    expectNumbered(await readEvents(workspace, RUN_ID));
    // and once it let go, the next invocation joins
    expect((await runPipeline(stages, options(['ingest']), runner())).stages[1]!.status).toBe('succeeded');
  });

  it('refuses to join a run of another profile, batch or trigger, or one that ran in one process', async () => {
    const { stages } = pipeline();
    await runPipeline(stages, options(['generate']), runner());
    await expect(runPipeline(stages, options(['ingest'], { batch: 2 }), runner())).rejects.toThrow(/runs profile "local" batch 1, not profile "local" batch 2/);
    await expect(runPipeline(stages, options(['ingest'], { profile: 'other' }), runner())).rejects.toThrow(/not profile "other"/);
    await expect(runPipeline(stages, options(['ingest']), runner({ trigger: 'manual' }))).rejects.toThrow(/started by airflow, not manual/);

    const plain = await runPipeline(stages, options(['generate']), runner({ joinRunId: undefined }));
    await expect(runPipeline(stages, options(['ingest']), runner({ joinRunId: plain.runId, trigger: 'manual' }))).rejects.toThrow(/ran in one process and cannot be joined/);
    // nothing the refused invocations did reached the record
    expect((await loadRun(workspace, RUN_ID)).stages.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expectNumbered(await readEvents(workspace, RUN_ID));
  });

  it('cancels the run when an invocation is cancelled, until another one joins', async () => {
    const controller = new AbortController();
    const { stages } = pipeline({
      ingest: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          controller.abort(new Error('SIGTERM from the orchestrator'));
        }),
    });
    await runPipeline(stages, options(['generate']), runner());
    const cancelled = await runPipeline(stages, options(['ingest']), runner({ signal: controller.signal }));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.stages[1]).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('is left alone by settleInterruptedRuns between invocations, and settled when its stage died', async () => {
    const { stages } = pipeline();
    await runPipeline(stages, options(['generate']), runner());
    expect(await settleInterruptedRuns(workspace)).toEqual([]);
    expect((await loadRun(workspace, RUN_ID)).status).toBe('running');

    // a process that died inside ingest: the stage is still marked running, nobody holds the claim
    const record = await loadRun(workspace, RUN_ID);
    record.stages[1] = { ...record.stages[1]!, status: 'running', attempts: 1, startedAt: new Date().toISOString() };
    await saveRun(workspace, record);
    await writeFile(join(runDir(workspace, RUN_ID), '.claim'), JSON.stringify({ pid: 2 ** 22 + 12345, since: 'then' }));
    expect(await settleInterruptedRuns(workspace)).toEqual([RUN_ID]);
    const settled = await loadRun(workspace, RUN_ID);
    expect(settled.status).toBe('failed');
    expect(settled.stages[1]!.error?.hint).toMatch(/same run id/);

    // the orchestrator's retry of ingest joins the settled run and goes on
    const again = await runPipeline(stages, options(['ingest']), runner());
    expect(again.status).toBe('running');
    expect(again.stages[1]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expectNumbered(await readEvents(workspace, RUN_ID));
  });

  it('hands a failed invocation\'s outside work to the next one, but not the finished work of one that succeeded', async () => {
    const checkpoints: (Record<string, unknown> | null)[] = [];
    let failNext = true;
    const { stages } = pipeline({
      cleanse: async (ctx) => {
        checkpoints.push(ctx.checkpoint);
        await ctx.remember({ glueRunId: `jr_${checkpoints.length}` });
        if (failNext) {
          failNext = false;
          throw new StageError('lost the poll', { retryable: true });
        }
        return { rows: { cleanse: 3 } };
      },
    });
    await runPipeline(stages, options(['cleanse']), runner());
    await runPipeline(stages, options(['cleanse']), runner());
    // the orchestrator runs the succeeded task again (a cleared Airflow task): it starts afresh
    await runPipeline(stages, options(['cleanse']), runner());
    expect(checkpoints).toEqual([null, { glueRunId: 'jr_1' }, null]);
  });
});

