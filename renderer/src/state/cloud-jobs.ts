// Live check and deploy jobs, fed by the event stream: claims check's lines and deploy's steps as
// they arrive, by job id. Events can arrive before the call that started the job has answered, so
// they are kept by id from the first one, and the view looks its job up once it knows the id.

import { create } from 'zustand';
import type { ApiErrorBody, CheckLine, DeployStep, EventBatch } from '../../../pipeline/api/protocol.ts';

export interface CloudJob {
  profile: string;
  lines: CheckLine[];
  steps: DeployStep[];
  finished: null | { ok: boolean; error?: ApiErrorBody };
}

interface CloudJobsState {
  jobs: Record<string, CloudJob>;
}

export const useCloudJobs = create<CloudJobsState>(() => ({ jobs: {} }));

const empty = (profile: string): CloudJob => ({ profile, lines: [], steps: [], finished: null });

/** Applies a batch's check and deploy events in one update. */
export function applyCloudEvents(batch: EventBatch): void {
  let jobs: Record<string, CloudJob> | null = null;
  for (const e of batch) {
    if (e.kind !== 'check.line' && e.kind !== 'check.finished' && e.kind !== 'deploy.step' && e.kind !== 'deploy.finished') continue;
    jobs ??= { ...useCloudJobs.getState().jobs };
    const job = { ...(jobs[e.jobId] ?? empty(e.profile)) };
    if (e.kind === 'check.line') job.lines = [...job.lines, e.line];
    else if (e.kind === 'deploy.step') job.steps = [...job.steps, e.step];
    else if (e.kind === 'check.finished') job.finished = { ok: e.passed, ...(e.error ? { error: e.error } : {}) };
    else job.finished = { ok: e.status === 'succeeded', ...(e.error ? { error: e.error } : {}) };
    jobs[e.jobId] = job;
  }
  if (jobs) useCloudJobs.setState({ jobs });
}
