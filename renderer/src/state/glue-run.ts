// The Glue job run a cloud stage started, as the run record and its events tell it: the id the
// stage recorded before waiting (its checkpoint), and the run's last state the stage reported.
import type { RunEvent } from '../../../pipeline/api/protocol.ts';

export interface GlueRunView {
  jobName: string | null;
  runId: string;
  state: string | null;
}

export function glueRunOf(checkpoint: Record<string, unknown> | undefined, events: readonly RunEvent[]): GlueRunView | null {
  const runId = typeof checkpoint?.glueRunId === 'string' ? checkpoint.glueRunId : null;
  if (!runId) return null;
  let state: string | null = null;
  for (const e of events) if (e.type === 'stage.log' && e.fields?.glue_run_id === runId && typeof e.fields.state === 'string') state = e.fields.state;
  return { jobName: typeof checkpoint?.jobName === 'string' ? checkpoint.jobName : null, runId, state };
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
