import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPipeline } from '../orchestrator/runner.ts';
import { runDir, runsDir, settleInterruptedRuns } from '../orchestrator/store.ts';
import type { RunEvent, RunRecord, RunTrigger } from '../orchestrator/types.ts';
import { ownEntry } from '../profiles/names.ts';
import { pipelineStages } from '../stages/index.ts';
import type { PipelineStage } from '../stages/names.ts';
import { pipelineContext } from './environment.ts';
import { lockWorkspace, whenIdle } from './lock.ts';
import { runSummary, type RunSummary } from './summary.ts';

export interface StartRunOptions {
  workspace: string;
  profile?: string;
  batch?: number;
  stages?: PipelineStage[];
  resumeRunId?: string;
  force?: boolean;
  trigger?: Exclude<RunTrigger, 'resume'>;
}

export interface RunHooks {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** Runs the pipeline for one batch on a profile, recording the run in the workspace. */
export async function startPipelineRun(o: StartRunOptions, hooks: RunHooks = {}): Promise<{ record: RunRecord; summary: RunSummary }> {
  const ctx = await pipelineContext(o.workspace, o.profile, o.force);
  const unlock = await lockWorkspace(ctx.paths.root, 'run', `claims run batch ${o.batch ?? 1}`);
  try {
    // holding the lock, no other run is alive: a run still marked running was interrupted
    await settleInterruptedRuns(ctx.paths.root);
    const record = await runPipeline(
      pipelineStages(ctx),
      { profile: ctx.profile.name, workspace: ctx.paths.root, batch: o.batch ?? 1, stages: o.stages, force: Boolean(o.force) },
      {
        retry: () => ctx.profile.retry,
        timeoutMs: (stage) => (ownEntry(ctx.profile.timeouts, stage.name) ?? ctx.profile.timeouts.default ?? 0) * 1000,
        signal: hooks.signal,
        trigger: o.trigger ?? 'manual',
        onEvent: hooks.onEvent,
        resumeRunId: o.resumeRunId,
      },
    );
    const summary = runSummary(record, ctx.paths.warehouse);
    await writeFile(join(runDir(ctx.paths.root, record.runId), 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return { record, summary };
  } finally {
    await ctx.warehouse.close();
    await ctx.close();
    await unlock();
  }
}

/**
 * Marks runs whose process died as failed, so lists show the truth and they can be resumed. Does
 * nothing while a run holds the workspace (its own record is rightly running).
 */
export async function settleInterruptedRunsIfIdle(workspace: string): Promise<string[]> {
  if (!existsSync(runsDir(workspace))) return [];
  return (await whenIdle(workspace, () => settleInterruptedRuns(workspace))) ?? [];
}
