// One stage's Glue job run, as the cleanse and load stages make it on AWS: start it with its
// arguments and record its id before waiting (so a resumed pipeline adopts the run instead of
// starting a second one), follow it with its log lines, stop it on cancel. The jobs write
// structured JSON lines (glue/hfc_glue/job_log.py): progress becomes progress, messages become log
// lines, and the job's own events (committed, loaded) come back to the caller.

import type { JobRun } from '@aws-sdk/client-glue';
import type { ConsoleRef } from '../run/console-links.ts';
import type { GlueRunState, GlueRuns, StartOptions } from './glue-runs.ts';

/** A line of the job's structured log. */
export interface JobLogLine {
  level?: string;
  event?: string;
  dataset?: string;
  step?: string;
  fraction?: number;
  message?: string;
  [field: string]: unknown;
}

export interface GlueJobStepRequest {
  signal?: AbortSignal;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  onProgress?: (p: { dataset: string; step: string; fraction: number }) => void;
  /** what an earlier attempt recorded about the run it started */
  recorded?: Record<string, unknown> | null;
  record?: (facts: Record<string, unknown>) => Promise<void>;
}

interface RecordedRun {
  glueRunId: string;
  jobName: string;
}

const STILL_GOING = new Set<GlueRunState>(['STARTING', 'RUNNING', 'STOPPING', 'WAITING']);

/** A job log line, when `text` is one. */
export function parseJobLogLine(text: string): JobLogLine | null {
  const t = text.trim();
  if (!t.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(t) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JobLogLine) : null;
  } catch {
    return null;
  }
}

/** Where a person finds the run: its console page on a real account, or that it is emulated. */
export type GlueConsole = (jobName: string, runId: string) => ConsoleRef | undefined;

/**
 * The fields of a run's state change, as the app reads them (renderer/src/state/glue-run.ts): the
 * run's identity, its state, how long it has executed, and its console page.
 */
export function glueStateFields(jobName: string, runId: string, state: GlueRunState, run: JobRun, links?: GlueConsole): Record<string, unknown> {
  const console = links?.(jobName, runId);
  return { glue_run_id: runId, job_name: jobName, state, ...(typeof run.ExecutionTime === 'number' ? { execution_seconds: run.ExecutionTime } : {}), ...(console ? { console } : {}) };
}

/** Runs (or adopts) the job and resolves with the events its log reported, once it has SUCCEEDED. */
export async function runGlueJobStep(runs: GlueRuns, jobName: string, args: Record<string, string>, start: StartOptions, req: GlueJobStepRequest, links?: GlueConsole): Promise<{ runId: string; events: JobLogLine[] }> {
  const runId = (await adoptable(runs, jobName, req)) ?? (await startRun(runs, jobName, args, start, req));
  const events: JobLogLine[] = [];
  await runs.wait(jobName, runId, {
    signal: req.signal,
    onState: (state, run) => req.log?.(`Glue job ${jobName} run ${runId}: ${state}${typeof run.ExecutionTime === 'number' && run.ExecutionTime > 0 ? ` (${run.ExecutionTime} s executing)` : ''}`, glueStateFields(jobName, runId, state, run, links)),
    onWarning: (message) => req.log?.(message),
    onLog: (line) => {
      const parsed = parseJobLogLine(line.message);
      if (!parsed) {
        // the job's own output (Spark, Python): the run's log, told apart from the stage's lines
        if (line.message.trim()) req.log?.(line.message.trim(), { glue_run_id: runId, stream: line.stream });
        return;
      }
      if (parsed.event === 'progress' && parsed.dataset && typeof parsed.fraction === 'number') req.onProgress?.({ dataset: parsed.dataset, step: parsed.step ?? '', fraction: parsed.fraction });
      else if (parsed.message) req.log?.(parsed.message, { ...(parsed.dataset ? { dataset: parsed.dataset } : {}), glue_run_id: runId, stream: line.stream });
      if (parsed.event && parsed.event !== 'progress' && parsed.event !== 'log') events.push(parsed);
    },
  });
  return { runId, events };
}

/** The run an earlier attempt started, when it is still going or has succeeded: waiting for it is the same work. */
async function adoptable(runs: GlueRuns, jobName: string, req: GlueJobStepRequest): Promise<string | null> {
  const recorded = req.recorded as Partial<RecordedRun> | null | undefined;
  if (!recorded?.glueRunId || recorded.jobName !== jobName) return null;
  const run = await runs.status(jobName, recorded.glueRunId);
  const state = (run.JobRunState ?? 'STARTING') as GlueRunState;
  if (!STILL_GOING.has(state) && state !== 'SUCCEEDED') {
    req.log?.(`Glue run ${recorded.glueRunId} of an earlier attempt ended ${state}; starting a new one`);
    return null;
  }
  req.log?.(`adopting Glue job ${jobName} run ${recorded.glueRunId} (${state}), started by an earlier attempt`, { glue_run_id: recorded.glueRunId });
  return recorded.glueRunId;
}

async function startRun(runs: GlueRuns, jobName: string, args: Record<string, string>, start: StartOptions, req: GlueJobStepRequest): Promise<string> {
  const runId = await runs.start(jobName, args, start);
  // recorded before any wait: a process that dies from here on leaves a run the next one adopts
  await req.record?.({ glueRunId: runId, jobName } satisfies RecordedRun);
  req.log?.(`started Glue job ${jobName} run ${runId}`, { glue_run_id: runId });
  return runId;
}
