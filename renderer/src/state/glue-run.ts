// The Glue job run a cloud stage started, as the run record and its events tell it: the id the
// stage recorded before waiting (its checkpoint), every state the stage reported for that run in
// order (the last is the state now), how long it has executed, and where to find it (its console
// page on a real account, or that it is emulated). The fields are those of glueStateFields
// (pipeline/aws/glue-job-step.ts).
import type { RunEvent } from '../../../pipeline/api/protocol.ts';
import type { ConsoleRef } from '../../../pipeline/run/console-links.ts';

export interface GlueRunView {
  jobName: string | null;
  runId: string;
  state: string | null;
  /** the states reported, in order, each change once */
  states: string[];
  executionSeconds: number | null;
  console: ConsoleRef | null;
}

export function consoleRefOf(v: unknown): ConsoleRef | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.url === 'string' && /^https:\/\//.test(o.url)) return { url: o.url };
  return o.emulated === true ? { emulated: true } : null;
}

export function glueRunOf(checkpoint: Record<string, unknown> | undefined, events: readonly RunEvent[]): GlueRunView | null {
  const runId = typeof checkpoint?.glueRunId === 'string' ? checkpoint.glueRunId : null;
  if (!runId) return null;
  const view: GlueRunView = { jobName: typeof checkpoint?.jobName === 'string' ? checkpoint.jobName : null, runId, state: null, states: [], executionSeconds: null, console: null };
  for (const e of events) {
    if (e.type !== 'stage.log' || e.fields?.glue_run_id !== runId || typeof e.fields.state !== 'string') continue;
    if (e.fields.state !== view.state) view.states.push(e.fields.state);
    view.state = e.fields.state;
    if (typeof e.fields.execution_seconds === 'number') view.executionSeconds = e.fields.execution_seconds;
    view.console = consoleRefOf(e.fields.console) ?? view.console;
    if (typeof e.fields.job_name === 'string') view.jobName ??= e.fields.job_name;
  }
  return view;
}

/** A stage.log line the Glue job itself wrote (its output or error stream), not the stage. */
export function glueLogStream(e: RunEvent): string | null {
  return e.type === 'stage.log' && typeof e.fields?.glue_run_id === 'string' && typeof e.fields.stream === 'string' ? e.fields.stream : null;
}

/**
 * The Glue run a stage is on now, from its live log alone: the checkpoint reaches the view only
 * when the record is read again, while the stage's log lines name the run from its start.
 */
export function liveGlueRun(stage: string, events: readonly RunEvent[]): { runId: string; state: string | null } | null {
  let runId: string | null = null;
  let state: string | null = null;
  for (const e of events) {
    if (e.type === 'stage.started' && e.stage === stage) [runId, state] = [null, null];
    if (e.type !== 'stage.log' || e.stage !== stage || typeof e.fields?.glue_run_id !== 'string') continue;
    if (e.fields.glue_run_id !== runId) [runId, state] = [e.fields.glue_run_id, null];
    if (typeof e.fields.state === 'string') state = e.fields.state;
  }
  return runId ? { runId, state } : null;
}
