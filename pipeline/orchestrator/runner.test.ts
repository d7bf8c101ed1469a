import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPipeline, type RunPipelineOptions } from './runner.ts';
import { listRuns, loadRun, readEvents, runDir } from './store.ts';
import { StageError, type RunEvent, type RunOptions, type Stage, type StageContext, type StageName, type StageResult } from './types.ts';

// a graph of the pipeline's shape; the orchestrator itself knows no stage names
const STAGE_NAMES = ['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify'] as const;

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'orchestrator-runner-'));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

type Impl = (ctx: StageContext) => Promise<StageResult>;

/** The six pipeline stages in a chain; each records its invocation and returns a small result unless given an implementation. */
function pipeline(impls: Partial<Record<StageName, Impl>> = {}) {
  const calls: string[] = [];
  const stages: Stage[] = STAGE_NAMES.map((name, i) => ({
    name,
    dependsOn: i === 0 ? [] : [STAGE_NAMES[i - 1] as StageName],
    run: async (ctx) => {
      calls.push(`${name}#${ctx.attempt}`);
      return (impls[name] ?? (async () => ({ rows: { [name]: i + 1 }, summary: `${name} done` })))(ctx);
    },
  }));
  return { stages, calls };
}

const options = (extra: Partial<RunOptions> = {}): RunOptions => ({ profile: 'local', workspace, batch: 1, ...extra });

function runner(extra: Partial<RunPipelineOptions> = {}) {
  const events: RunEvent[] = [];
  const delays: number[] = [];
  const opts: RunPipelineOptions = {
    retry: () => ({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 }),
    timeoutMs: () => 10_000,
    onEvent: (e) => events.push(e),
    // Records the backoff instead of waiting it out.
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  };
  return { opts, events, delays };
}

/** A stage body that waits on its signal and fails with the signal's reason, as a well-behaved stage does. */
const waitForAbort: Impl = (ctx) =>
  new Promise((_, reject) => {
    if (ctx.signal.aborted) reject(ctx.signal.reason);
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
  });

const types = (events: RunEvent[]) => events.map((e) => ('stage' in e ? `${e.type}:${e.stage}` : e.type));

describe('runPipeline', () => {
  it('runs every stage in graph order and hands each the results before it', async () => {
    let seenByTransform: StageContext['results'] = {};
    const { stages, calls } = pipeline({
      transform: async (ctx) => {
        seenByTransform = ctx.results;
        return { rows: { fct_claims: 10 } };
      },
    });
    const { opts, events } = runner();
    const run = await runPipeline([...stages].reverse(), options(), opts);

    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1', 'load#1', 'transform#1', 'verify#1']);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('manual');
    expect(run.stages.map((s) => [s.name, s.status, s.attempts])).toEqual(STAGE_NAMES.map((n) => [n, 'succeeded', 1]));
    expect(run.stages[3]).toMatchObject({ rows: { load: 4 }, result: { rows: { load: 4 }, summary: 'load done' } });
    expect(Object.keys(seenByTransform)).toEqual(['generate', 'ingest', 'cleanse', 'load']);
    expect(seenByTransform.cleanse).toEqual({ rows: { cleanse: 3 }, summary: 'cleanse done' });
    expect(run.endedAt).not.toBeNull();
    expect(run.seconds).toBeGreaterThanOrEqual(0);

    expect(types(events)).toEqual([
      'run.started',
      ...STAGE_NAMES.flatMap((n) => [`stage.started:${n}`, `stage.succeeded:${n}`]),
      'run.finished',
    ]);
    expect(events[0]).toMatchObject({ type: 'run.started', runId: run.runId, profile: 'local', batch: 1, trigger: 'manual', plan: [...STAGE_NAMES] });
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
    expect(await loadRun(workspace, run.runId)).toEqual(run);
  });

  it('writes one JSON line per event to events.jsonl, in the order they were emitted', async () => {
    const { stages } = pipeline({
      cleanse: async (ctx) => {
        ctx.progress({ dataset: 'claims', rows: 500, total: 1000, fraction: 0.5 });
        ctx.log('info', 'quarantined rows', { dataset: 'claims', rows: 7 });
        return {};
      },
    });
    const { opts, events } = runner();
    const run = await runPipeline(stages, options(), opts);

    const lines = (await readFile(join(runDir(workspace, run.runId), 'events.jsonl'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
    expect(await readEvents(workspace, run.runId)).toEqual(events);
    const stamps = events.map((e) => Date.parse(e.timestamp));
    expect(stamps.every((t, i) => Number.isFinite(t) && (i === 0 || t >= (stamps[i - 1] as number)))).toBe(true);
    expect(events.every((e) => e.runId === run.runId)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(types(events).slice(5, 9)).toEqual(['stage.started:cleanse', 'stage.progress:cleanse', 'stage.log:cleanse', 'stage.succeeded:cleanse']);
    expect(events[6]).toMatchObject({ type: 'stage.progress', stage: 'cleanse', attempt: 1, dataset: 'claims', rows: 500, total: 1000, fraction: 0.5 });
    expect(events[7]).toMatchObject({ type: 'stage.log', level: 'info', message: 'quarantined rows', fields: { dataset: 'claims', rows: 7 } });
  });

  it('runs only the selected stages and records the others as skipped', async () => {
    const { stages, calls } = pipeline();
    const { opts, events } = runner();
    const run = await runPipeline(stages, options({ stages: ['load', 'cleanse'] }), opts);

    expect(calls).toEqual(['cleanse#1', 'load#1']);
    expect(run.status).toBe('succeeded');
    expect(run.stages.map((s) => `${s.name}:${s.status}`)).toEqual([
      'generate:skipped',
      'ingest:skipped',
      'cleanse:succeeded',
      'load:succeeded',
      'transform:skipped',
      'verify:skipped',
    ]);
    expect(events.filter((e) => e.type === 'stage.skipped').map((e) => (e.type === 'stage.skipped' ? e.reason : ''))).toEqual(
      Array(4).fill('not selected (stages: cleanse, load)'),
    );
  });

  it('retries a failing stage with exponential backoff and counts the attempts', async () => {
    let failures = 2;
    const { stages, calls } = pipeline({
      ingest: async () => {
        if (failures-- > 0) throw new Error('S3 PutObject: connection reset', { cause: new Error('ECONNRESET') });
        return { rows: { files: 3 } };
      },
    });
    const { opts, events, delays } = runner();
    const run = await runPipeline(stages, options(), opts);

    expect(run.status).toBe('succeeded');
    expect(calls.slice(0, 5)).toEqual(['generate#1', 'ingest#1', 'ingest#2', 'ingest#3', 'cleanse#1']);
    expect(run.stages[1]).toMatchObject({ name: 'ingest', status: 'succeeded', attempts: 3, rows: { files: 3 } });
    expect(run.stages[1]?.error).toBeUndefined();
    expect(delays).toEqual([100, 200]);
    const retrying = events.filter((e) => e.type === 'stage.retrying');
    expect(retrying).toMatchObject([
      { stage: 'ingest', attempt: 1, maxAttempts: 3, delayMs: 100, error: { message: 'S3 PutObject: connection reset', cause: ['ECONNRESET'] } },
      { stage: 'ingest', attempt: 2, maxAttempts: 3, delayMs: 200 },
    ]);
    expect(types(events).filter((t) => t.endsWith(':ingest'))).toEqual([
      'stage.started:ingest',
      'stage.retrying:ingest',
      'stage.started:ingest',
      'stage.retrying:ingest',
      'stage.started:ingest',
      'stage.succeeded:ingest',
    ]);
  });

  it('applies jitter to the backoff and caps it at the maximum delay', async () => {
    const { stages } = pipeline({ load: async () => Promise.reject(new Error('warehouse busy')) });
    const { opts, delays } = runner({ retry: () => ({ maxAttempts: 5, baseDelayMs: 400, maxDelayMs: 1000, jitter: 0.5 }), random: () => 0.5 });
    const run = await runPipeline(stages, options(), opts);
    // min(1000, 400·2^(n−1)) × (1 − 0.5·0.5)
    expect(delays).toEqual([300, 600, 750, 750]);
    expect(run.stages[3]).toMatchObject({ status: 'failed', attempts: 5 });
  });

  it('stops the run at the first failure, recording the error, its causes and a hint', async () => {
    const { stages, calls } = pipeline({
      load: async () => Promise.reject(new Error('Catalog Error: Table raw.claims does not exist')),
    });
    const { opts, events, delays } = runner();
    const run = await runPipeline(stages, options(), opts);

    expect(run.status).toBe('failed');
    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1', 'load#1', 'load#2', 'load#3']);
    expect(delays).toEqual([100, 200]);
    expect(run.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'pending', 'pending']);
    expect(run.stages[3]?.error).toMatchObject({
      message: 'Catalog Error: Table raw.claims does not exist',
      hint: 'Gave up after 3 attempts; the error may be transient, so resume the run once its cause is fixed.',
    });
    expect(run.stages[3]?.error?.stack).toContain('Catalog Error');
    expect(run.error).toMatchObject({ stage: 'load', message: 'Catalog Error: Table raw.claims does not exist' });
    expect(events.at(-2)).toMatchObject({ type: 'stage.failed', stage: 'load', attempt: 3 });
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed', error: { stage: 'load' } });
    expect((await loadRun(workspace, run.runId)).error?.message).toBe('Catalog Error: Table raw.claims does not exist');
  });

  it('fails at once on a non-retryable StageError', async () => {
    const { stages, calls } = pipeline({
      cleanse: async () => {
        throw new StageError('claims.yaml, line 12: unknown type "numbr"', {
          retryable: false,
          hint: 'Fix the contract; every stage reads it.',
          cause: new SyntaxError('unknown type'),
        });
      },
    });
    const { opts, events, delays } = runner();
    const run = await runPipeline(stages, options(), opts);

    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1']);
    expect(delays).toEqual([]);
    expect(events.some((e) => e.type === 'stage.retrying')).toBe(false);
    expect(run.stages[2]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.stages[2]?.error).toMatchObject({
      message: 'claims.yaml, line 12: unknown type "numbr"',
      cause: ['SyntaxError: unknown type'],
      hint: 'Fix the contract; every stage reads it.',
    });
  });

  it('treats a stage that resolves to nothing as a non-retryable failure', async () => {
    const { stages, calls } = pipeline({ generate: (async () => undefined) as unknown as Impl });
    const { opts } = runner();
    const run = await runPipeline(stages, options(), opts);
    expect(calls).toEqual(['generate#1']);
    expect(run.stages[0]?.error?.message).toBe('Stage "generate" resolved to undefined instead of a result object.');
  });

  it('aborts a hung stage when its timeout passes and retries it', async () => {
    const seen: { attempt: number; aborted: boolean; reason: string }[] = [];
    const { stages, calls } = pipeline({
      transform: async (ctx) => {
        if (ctx.attempt === 1) {
          try {
            return await waitForAbort(ctx);
          } finally {
            seen.push({ attempt: ctx.attempt, aborted: ctx.signal.aborted, reason: String((ctx.signal.reason as Error).message) });
          }
        }
        return { summary: 'dbt build ok' };
      },
    });
    const { opts, events, delays } = runner({ timeoutMs: (s) => (s.name === 'transform' ? 50 : 10_000) });
    const run = await runPipeline(stages, options(), opts);

    expect(run.status).toBe('succeeded');
    expect(calls.filter((c) => c.startsWith('transform'))).toEqual(['transform#1', 'transform#2']);
    expect(seen).toEqual([{ attempt: 1, aborted: true, reason: 'Stage "transform" timed out after 50ms (attempt 1).' }]);
    expect(delays).toEqual([100]);
    expect(run.stages[4]).toMatchObject({ status: 'succeeded', attempts: 2, result: { summary: 'dbt build ok' } });
    expect(events.find((e) => e.type === 'stage.retrying')).toMatchObject({
      stage: 'transform',
      error: { message: 'Stage "transform" timed out after 50ms (attempt 1).', hint: expect.stringContaining('raise the timeout of "transform"') },
    });
  });

  it('ends an attempt on timeout even when the stage ignores its signal', async () => {
    const { stages } = pipeline({ verify: () => new Promise<StageResult>(() => {}) });
    const { opts } = runner({ timeoutMs: (s) => (s.name === 'verify' ? 30 : 10_000), retry: () => ({ maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0, jitter: 0 }) });
    const run = await runPipeline(stages, options(), opts);
    expect(run.status).toBe('failed');
    expect(run.stages[5]).toMatchObject({ status: 'failed', attempts: 2, error: { message: 'Stage "verify" timed out after 30ms (attempt 2).' } });
  });

  it('gives a cancelled stage its wind-down to stop its outside work before the stage is recorded cancelled, bounded', async () => {
    const controller = new AbortController();
    const { stages } = pipeline({
      cleanse: async (ctx) => {
        setTimeout(() => controller.abort(new Error('cancelled from the UI')), 10);
        try {
          return await waitForAbort(ctx);
        } finally {
          // what a Glue stage does on cancel: ask the outside run to stop, then report its end
          await new Promise((r) => setTimeout(r, 40));
          ctx.log('info', 'outside run STOPPED');
        }
      },
    });
    const cleanse = stages.find((s) => s.name === 'cleanse')!;
    cleanse.windDownMs = 5_000;
    const { opts, events } = runner({ signal: controller.signal });
    const run = await runPipeline(stages, options(), opts);
    expect(run.status).toBe('cancelled');
    const order = events.filter((e) => 'stage' in e && e.stage === 'cleanse').map((e) => (e.type === 'stage.log' ? e.message : e.type));
    expect(order).toEqual(['stage.started', 'outside run STOPPED', 'stage.cancelled']);

    // a stage that never settles holds the run no longer than its wind-down
    const again = new AbortController();
    const hung = pipeline({ cleanse: () => (setTimeout(() => again.abort(new Error('cancel')), 10), new Promise<StageResult>(() => {})) });
    hung.stages.find((s) => s.name === 'cleanse')!.windDownMs = 50;
    const started = Date.now();
    const hungRun = await runPipeline(hung.stages, options(), runner({ signal: again.signal }).opts);
    expect(hungRun.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('cancels the running stage and resolves with a cancelled run', async () => {
    const controller = new AbortController();
    let stageSawAbort = false;
    const { stages, calls } = pipeline({
      cleanse: async (ctx) => {
        ctx.progress({ fraction: 0.1 });
        setTimeout(() => controller.abort(new Error('cancelled from the UI')), 10);
        try {
          return await waitForAbort(ctx);
        } finally {
          stageSawAbort = ctx.signal.aborted;
        }
      },
    });
    const { opts, events, delays } = runner({ signal: controller.signal });
    const run = await runPipeline(stages, options(), opts);

    expect(stageSawAbort).toBe(true);
    expect(run.status).toBe('cancelled');
    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1']);
    expect(delays).toEqual([]);
    expect(run.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'cancelled', 'pending', 'pending', 'pending']);
    expect(run.stages[2]?.error?.message).toBe('Run cancelled while running "cleanse" (attempt 1): cancelled from the UI');
    expect(run.error).toBeUndefined();
    expect(types(events).slice(-3)).toEqual(['stage.progress:cleanse', 'stage.cancelled:cleanse', 'run.finished']);
    expect(events.at(-1)).toMatchObject({ status: 'cancelled' });
    expect((await loadRun(workspace, run.runId)).status).toBe('cancelled');
  });

  it('cancels during the wait before a retry without waiting it out', async () => {
    const controller = new AbortController();
    const { stages, calls } = pipeline({ ingest: async () => Promise.reject(new Error('throttled')) });
    const { opts } = runner({
      signal: controller.signal,
      retry: () => ({ maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 }),
      onEvent: (e) => {
        if (e.type === 'stage.retrying') setTimeout(() => controller.abort(), 5);
      },
    });
    delete opts.sleep;
    const started = Date.now();
    const run = await runPipeline(stages, options(), opts);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(calls).toEqual(['generate#1', 'ingest#1']);
    expect(run.status).toBe('cancelled');
    expect(run.stages[1]).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(run.stages[1]?.error?.message).toMatch(/^Run cancelled while waiting to retry "ingest" \(attempt 1\)/);
  });

  it('records a run cancelled before it started with every stage pending', async () => {
    const { stages, calls } = pipeline();
    const { opts } = runner({ signal: AbortSignal.abort() });
    const run = await runPipeline(stages, options(), opts);
    expect(calls).toEqual([]);
    expect(run.status).toBe('cancelled');
    expect(run.stages.every((s) => s.status === 'pending')).toBe(true);
  });

  it('resumes a failed run without re-running finished stages, restoring their results', async () => {
    let loadBroken = true;
    const restored: StageContext['results'][] = [];
    const { stages, calls } = pipeline({
      load: async (ctx) => {
        restored.push(ctx.results);
        if (loadBroken) throw new StageError('Snowflake: warehouse LOADING_WH is suspended', { retryable: false, hint: 'Resume the warehouse.' });
        return { rows: { claims: 20_000 } };
      },
    });
    const first = await runPipeline(stages, options(), runner().opts);
    expect(first.status).toBe('failed');
    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1', 'load#1']);

    loadBroken = false;
    const { opts, events } = runner({ resumeRunId: first.runId, trigger: 'api' });
    const second = await runPipeline(stages, options(), opts);

    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1', 'load#1', 'load#1', 'transform#1', 'verify#1']);
    expect(second.runId).not.toBe(first.runId);
    expect(second).toMatchObject({ status: 'succeeded', trigger: 'resume', resumedFrom: first.runId });
    expect(second.stages.slice(0, 3).map((s) => [s.name, s.status, s.restoredFrom])).toEqual([
      ['generate', 'succeeded', first.runId],
      ['ingest', 'succeeded', first.runId],
      ['cleanse', 'succeeded', first.runId],
    ]);
    expect(second.stages[0]?.startedAt).toBe(first.stages[0]?.startedAt);
    expect(second.stages[3]).toMatchObject({ status: 'succeeded', attempts: 1, rows: { claims: 20_000 } });
    expect(second.stages[3]?.restoredFrom).toBeUndefined();
    expect(restored[1]).toEqual({
      generate: { rows: { generate: 1 }, summary: 'generate done' },
      ingest: { rows: { ingest: 2 }, summary: 'ingest done' },
      cleanse: { rows: { cleanse: 3 }, summary: 'cleanse done' },
    });
    expect(types(events).slice(0, 5)).toEqual(['run.started', 'stage.skipped:generate', 'stage.skipped:ingest', 'stage.skipped:cleanse', 'stage.started:load']);
    expect(events[1]).toMatchObject({ reason: `succeeded in run ${first.runId}; result restored` });
    // the resumed run has its own log, numbered from 1; the first run's log is left as it was
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect((await readEvents(workspace, second.runId)).map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const firstLog = await readEvents(workspace, first.runId);
    expect(firstLog.map((e) => e.seq)).toEqual(firstLog.map((_, i) => i + 1));
    expect(firstLog.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed' });
    expect((await loadRun(workspace, first.runId)).status).toBe('failed');
    expect((await listRuns(workspace)).map((r) => r.runId)).toEqual([second.runId, first.runId]);

    await expect(runPipeline(stages, options(), runner({ resumeRunId: second.runId }).opts)).rejects.toThrow(
      `Run ${second.runId} succeeded; only failed or cancelled runs can be resumed. Start a new run instead.`,
    );
  });

  it('resumes a cancelled run of a selection with the same selection', async () => {
    const controller = new AbortController();
    const { stages, calls } = pipeline({
      load: async (ctx) => {
        if (!controller.signal.aborted) {
          controller.abort();
          return waitForAbort(ctx);
        }
        return {};
      },
    });
    const first = await runPipeline(stages, options({ stages: ['cleanse', 'load', 'transform'] }), runner({ signal: controller.signal }).opts);
    expect(first.status).toBe('cancelled');
    const second = await runPipeline(stages, options(), runner({ resumeRunId: first.runId }).opts);
    expect(calls).toEqual(['cleanse#1', 'load#1', 'load#1', 'transform#1']);
    expect(second.stages.map((s) => s.status)).toEqual(['skipped', 'skipped', 'succeeded', 'succeeded', 'succeeded', 'skipped']);
    await expect(runPipeline(stages, options({ stages: ['verify'] }), runner({ resumeRunId: first.runId }).opts)).rejects.toThrow(
      /selected stages cleanse, load, transform, not verify; a resume keeps the original selection/,
    );
  });

  it('refuses to resume a missing run or one of another profile or batch', async () => {
    const { stages } = pipeline({ generate: async () => Promise.reject(new StageError('disk full', { retryable: false })) });
    await expect(runPipeline(stages, options(), runner({ resumeRunId: '20250101-000000-abcdef' }).opts)).rejects.toThrow(/^Run 20250101-000000-abcdef not found/);
    const failed = await runPipeline(stages, options(), runner().opts);
    await expect(runPipeline(stages, options({ batch: 2 }), runner({ resumeRunId: failed.runId }).opts)).rejects.toThrow(
      `Run ${failed.runId} ran profile "local" batch 1, not profile "local" batch 2; resume it with the same profile and batch, or start a new run.`,
    );
  });

  it('keeps secrets out of run.json and events.jsonl while the stages see them', async () => {
    let seenPassword: unknown;
    const { stages } = pipeline({
      load: async (ctx) => {
        seenPassword = (ctx.options.snowflake as { password: string }).password;
        ctx.log('debug', 'connecting', { account: 'xy123', password: 'hunter2', url: 'snowflake://loader:hunter2@xy123' });
        return {};
      },
    });
    const { opts, events } = runner();
    const run = await runPipeline(stages, options({ snowflake: { user: 'loader', password: 'hunter2' }, s3: { sessionToken: 'FQoGZXIvYXdzE' } }), opts);

    expect(seenPassword).toBe('hunter2');
    const dir = runDir(workspace, run.runId);
    for (const file of await readdir(dir)) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('FQoGZXIvYXdzE');
    }
    expect(JSON.stringify(events)).not.toContain('hunter2');
    expect(events.find((e) => e.type === 'stage.log')).toMatchObject({
      fields: { account: 'xy123', password: '[redacted]', url: 'snowflake://loader:[redacted]@xy123' },
    });
  });

  it('rejects a bad stage graph or retry policy before creating a run', async () => {
    const { stages } = pipeline();
    const cyclic = stages.map((s) => (s.name === 'generate' ? { ...s, dependsOn: ['verify' as StageName] } : s));
    await expect(runPipeline(cyclic, options(), runner().opts)).rejects.toThrow(/The stage graph has a cycle/);
    await expect(runPipeline(stages, options({ stages: ['lod' as StageName] }), runner().opts)).rejects.toThrow(/Unknown stage "lod"/);
    await expect(runPipeline(stages, options(), runner({ retry: () => ({ maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 }) }).opts)).rejects.toThrow(
      /Invalid retry policy for stage "generate"/,
    );
    await expect(runPipeline(stages, options(), runner({ timeoutMs: () => 0 }).opts)).rejects.toThrow(/Invalid timeout for stage "generate"/);
    expect(await listRuns(workspace)).toEqual([]);
  });

  it('fails the run loudly when the orchestrator itself cannot go on', async () => {
    const { stages, calls } = pipeline();
    const { opts } = runner({
      onEvent: (e) => {
        if (e.type === 'stage.succeeded' && e.stage === 'ingest') throw new Error('event consumer crashed');
      },
    });
    await expect(runPipeline(stages, options(), opts)).rejects.toThrow('event consumer crashed');
    expect(calls).toEqual(['generate#1', 'ingest#1']);
    const [run] = await listRuns(workspace);
    expect(run).toMatchObject({ status: 'failed', error: { message: 'event consumer crashed' } });
    expect(run?.error?.stage).toBeUndefined();
    expect(run?.endedAt).not.toBeNull();
  });

  it('fails the stage, without retrying it, when its log cannot be written', async () => {
    const { stages, calls } = pipeline({
      cleanse: async (ctx) => {
        ctx.log('info', 'starting');
        ctx.log('info', 'still going');
        return {};
      },
    });
    const { opts, delays } = runner({
      onEvent: (e) => {
        if (e.type === 'stage.log') throw new Error('log pipe closed');
      },
    });
    await expect(runPipeline(stages, options(), opts)).rejects.toThrow('log pipe closed');
    expect(calls).toEqual(['generate#1', 'ingest#1', 'cleanse#1']);
    expect(delays).toEqual([]);
    const [run] = await listRuns(workspace);
    expect(run?.status).toBe('failed');
    expect(run?.stages[2]).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'log pipe closed' } });
    expect(run?.error).toMatchObject({ stage: 'cleanse', message: 'log pipe closed' });
  });

  it('keeps what a stage remembered about outside work for its next attempt, in the record and across a resume', async () => {
    const seen: (Record<string, unknown> | null)[] = [];
    let failures = 2;
    const { stages } = pipeline({
      cleanse: async (ctx) => {
        seen.push(ctx.checkpoint);
        // the first attempt starts outside work and records it before waiting on it
        if (!ctx.checkpoint) await ctx.remember({ glueRunId: 'jr_1', jobName: 'cleanse-job', password: 'hunter2' });
        if (failures-- > 0) throw new StageError('lost the connection while polling', { retryable: ctx.attempt < 2 });
        return { rows: { cleanse: 3 } };
      },
    });
    const first = await runPipeline(stages, options(), runner().opts);
    expect(first.status).toBe('failed');
    expect(seen).toEqual([null, { glueRunId: 'jr_1', jobName: 'cleanse-job', password: '[redacted]' }]);
    const stored = await loadRun(workspace, first.runId);
    expect(stored?.stages[2]?.checkpoint).toEqual({ glueRunId: 'jr_1', jobName: 'cleanse-job', password: '[redacted]' });

    const resumed = await runPipeline(stages, options(), runner({ resumeRunId: first.runId }).opts);
    expect(resumed.status).toBe('succeeded');
    expect(seen[2]).toEqual({ glueRunId: 'jr_1', jobName: 'cleanse-job', password: '[redacted]' });
    expect(resumed.stages[2]?.checkpoint).toMatchObject({ glueRunId: 'jr_1' });
    // stages the earlier run finished are restored, not adopted
    expect(resumed.stages[1]?.checkpoint).toBeUndefined();
  });
});
