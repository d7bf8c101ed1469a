import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPipeline } from '../orchestrator/runner.ts';
import { loadRun, RunNotFoundError, runDir, runsDir, settleInterruptedRuns } from '../orchestrator/store.ts';
import type { RetryPolicy, RunEvent, RunRecord, RunTrigger } from '../orchestrator/types.ts';
import { MAX_BATCH } from '../generate/options.ts';
import { pipelineStages } from '../stages/index.ts';
import type { PipelineStage } from '../stages/names.ts';
import type { DbtWorker } from '../transform/dbt-worker.ts';
import { pipelineContext } from './environment.ts';
import { takeLakeLock, type LakeLock } from './lake-lock.ts';
import { lockWorkspace, whenIdle } from './lock.ts';
import { nextBatch } from './next-batch.ts';
import { stageTimeoutSeconds } from './stage-timeout.ts';
import { runSummary, type RunSummary } from './summary.ts';

export interface StartRunOptions {
  workspace: string;
  profile?: string;
  /** 'next': the batch after the last one loaded (a joined run keeps the batch it has). Default 1. */
  batch?: number | 'next';
  stages?: PipelineStage[];
  resumeRunId?: string;
  /** Run under this id, joining the run if it exists (an outside orchestrator's stages, one invocation each). */
  runId?: string;
  /** Retries after a stage's first attempt, in place of the profile's; 0 when an outside orchestrator owns retries. */
  retries?: number;
  force?: boolean;
  trigger?: Exclude<RunTrigger, 'resume'>;
}

export interface RunHooks {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** what happens before the run starts (an aws profile deployed first under auto_deploy) */
  onNotice?: (message: string) => void;
  /** a dbt process the caller owns and stops: the app's, kept between runs, or the CLI's, for this run */
  dbt?: DbtWorker;
}

/** Runs the pipeline for one batch on a profile, recording the run in the workspace. */
export async function startPipelineRun(o: StartRunOptions, hooks: RunHooks = {}): Promise<{ record: RunRecord; summary: RunSummary }> {
  if (o.retries !== undefined && !(Number.isInteger(o.retries) && o.retries >= 0)) throw new Error(`retries: expected a whole number ≥ 0, got ${o.retries}.`);
  const ctx = await pipelineContext(o.workspace, o.profile, o.force, { ...(hooks.onNotice ? { log: hooks.onNotice } : {}), ...(hooks.dbt ? { dbt: hooks.dbt } : {}) });
  const what = `claims run batch ${o.batch ?? 1}${o.stages ? ` (${o.stages.join(', ')})` : ''}${o.runId ? ` for run ${o.runId}` : ''}`;
  const unlock = await lockWorkspace(ctx.paths.root, 'run', what);
  let lakeLock: LakeLock | undefined;
  try {
    // a shared lake takes one writer across machines: the lock is in the lake itself
    if (ctx.sharedLake) {
      lakeLock = await takeLakeLock({
        store: ctx.sharedLake,
        workspace: ctx.paths.root,
        runId: o.runId ?? o.resumeRunId ?? 'starting',
        what,
        clearCommand: `claims unlock --profile ${ctx.profile.name} --workspace ${ctx.paths.root}`,
        onTakeover: (previous) =>
          hooks.onNotice?.(`took over the lake lock of ${previous.what} (run ${previous.run_id}, pid ${previous.pid} on ${previous.host}, since ${previous.since}): that process is gone`),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
      });
    }
    const held = lakeLock;
    const signal = held ? (hooks.signal ? AbortSignal.any([hooks.signal, held.lost]) : held.lost) : hooks.signal;
    // holding the lock, no other run is alive: a run still marked running was interrupted
    await settleInterruptedRuns(ctx.paths.root);
    const retry: RetryPolicy = o.retries === undefined ? ctx.profile.retry : { ...ctx.profile.retry, maxAttempts: o.retries + 1 };
    const record = await runPipeline(
      pipelineStages(ctx),
      { profile: ctx.profile.name, workspace: ctx.paths.root, batch: await chooseBatch(o, ctx), stages: o.stages, force: Boolean(o.force) },
      {
        retry: () => retry,
        // 0 in a profile means no limit
        timeoutMs: (stage) => stageTimeoutSeconds(ctx.profile, stage.name) * 1000 || Infinity,
        signal,
        trigger: o.trigger ?? 'manual',
        onEvent: (e) => {
          if (held && (e.type === 'run.started' || e.type === 'run.joined')) void held.forRun(e.runId).catch(() => undefined);
          hooks.onEvent?.(e);
        },
        resumeRunId: o.resumeRunId,
        joinRunId: o.runId,
      },
    );
    const summary = runSummary(record, ctx.warehouse.location);
    await writeFile(join(runDir(ctx.paths.root, record.runId), 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return { record, summary };
  } finally {
    // a release that fails (network) must not hide the run's outcome; the lock then goes stale, or
    // the next run on this machine takes it over once this process has exited
    await lakeLock?.release().catch(() => undefined);
    await ctx.warehouse.close();
    await ctx.close();
    await unlock();
  }
}

/** The batch a run takes; 'next' is decided holding the workspace lock, so two runs cannot both take it. */
async function chooseBatch(o: StartRunOptions, ctx: Awaited<ReturnType<typeof pipelineContext>>): Promise<number> {
  if (o.batch !== 'next') return o.batch ?? 1;
  if (o.runId) {
    const joined = await loadRun(ctx.paths.root, o.runId).catch((err: unknown) => {
      if (err instanceof RunNotFoundError) return null;
      throw err;
    });
    if (joined) return joined.batch;
  }
  const loaded = (await ctx.warehouse.audit()).map((a) => a.batch_id);
  // let the warehouse go: the stages open it themselves
  await ctx.warehouse.close();
  const next = nextBatch(loaded);
  if (next === null) throw new Error(`Every batch of the timeline (1 to ${MAX_BATCH}) is loaded; name the batch to run again with --batch <k>.`);
  return next;
}

/**
 * Marks runs whose process died as failed, so lists show the truth and they can be resumed. Does
 * nothing while a run holds the workspace (its own record is rightly running).
 */
export async function settleInterruptedRunsIfIdle(workspace: string): Promise<string[]> {
  if (!existsSync(runsDir(workspace))) return [];
  return (await whenIdle(workspace, () => settleInterruptedRuns(workspace))) ?? [];
}
