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
