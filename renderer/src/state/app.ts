// App-wide state: server info and capabilities, the theme, the event connection, live run and
// generation progress fed by the event stream, and short-lived toasts.

import { create } from 'zustand';
import type { AppInfo, EventBatch, GeneratedBatch, GeneratePhase, RunEvent } from '../../../pipeline/api/protocol.ts';
import { call, onEvents, type ConnectionState } from '../api/client.ts';
import { applyCloudEvents } from './cloud-jobs.ts';
import { addRunEvents, type RunBuffers } from './run-buffers.ts';

export type Theme = 'dark' | 'light';

export interface GenerateJobState {
  jobId: string;
  batch: number;
  phase: GeneratePhase;
  fraction: number;
  message?: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  result?: GeneratedBatch;
  error?: string;
}

export interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'bad';
}

interface AppState {
  info: AppInfo | null;
  infoError: string | null;
  theme: Theme;
  connection: ConnectionState;
  generate: GenerateJobState | null;
  /** the newest live events of the runs that streamed last, by run id (bounded: see run-buffers.ts) */
  runEvents: RunBuffers;
  activeRunId: string | null;
  /** bumped on workspace.changed so views refetch */
  revision: Record<'datasets' | 'runs' | 'profiles' | 'warehouse', number>;
  toasts: Toast[];
  /** this session sees PII in clear (null until the server said) */
  piiRevealed: boolean | null;
  setPiiRevealed(revealed: boolean): void;
  loadInfo(): Promise<void>;
  setTheme(t: Theme): void;
  toast(text: string, tone?: Toast['tone']): void;
  setGenerateJob(job: GenerateJobState | null): void;
}

const storedTheme = (): Theme => (typeof localStorage !== 'undefined' && localStorage.getItem('claims.theme') === 'light' ? 'light' : 'dark');

export const useApp = create<AppState>((set, get) => ({
  info: null,
  infoError: null,
  theme: storedTheme(),
  connection: 'connecting',
  generate: null,
  runEvents: {},
  activeRunId: null,
  revision: { datasets: 0, runs: 0, profiles: 0, warehouse: 0 },
  toasts: [],
  piiRevealed: null,
  setPiiRevealed(piiRevealed) {
    set({ piiRevealed });
  },
  async loadInfo() {
    try {
      set({ info: await call('app.info', {}), infoError: null });
    } catch (err) {
      set({ infoError: (err as Error).message });
    }
  },
  setTheme(theme) {
    localStorage.setItem('claims.theme', theme);
    document.documentElement.dataset.theme = theme;
    set({ theme });
  },
  toast(text, tone = 'ok') {
    const id = Date.now() + Math.random();
    set({ toasts: [...get().toasts, { id, text, tone }] });
    setTimeout(() => set({ toasts: get().toasts.filter((t) => t.id !== id) }), 4000);
  },
  setGenerateJob(job) {
    set({ generate: job });
  },
}));

/** Applies one batch of server events in a single state update (one repaint per batch). */
function applyBatch(batch: EventBatch): void {
  const s = useApp.getState();
  const runEvents: RunEvent[] = [];
  let activeRunId = s.activeRunId;
  let generate = s.generate;
  const revision = { ...s.revision };
  let revised = false;
  let reloadInfo = false;
  for (const e of batch) {
    if (e.kind === 'run') {
      const id = e.event.runId;
      runEvents.push(e.event);
      if (e.event.type === 'run.started') activeRunId = id;
      if (e.event.type === 'run.finished') {
        if (activeRunId === id) activeRunId = null;
        reloadInfo = true;
      }
    } else if (e.kind === 'generate.progress') {
      if (!generate || generate.jobId === e.jobId) {
        generate = { jobId: e.jobId, batch: e.batch, phase: e.phase, fraction: e.fraction, ...(e.message ? { message: e.message } : {}), status: 'running' };
      }
    } else if (e.kind === 'generate.finished') {
      generate = {
        jobId: e.jobId,
        batch: e.batch,
        phase: 'checksums',
        fraction: e.status === 'succeeded' ? 1 : (generate?.fraction ?? 0),
        status: e.status,
        ...(e.result ? { result: e.result } : {}),
        ...(e.error ? { error: e.error.message } : {}),
      };
    } else if (e.kind === 'workspace.changed') {
      revision[e.what]++;
      revised = true;
      if (e.what === 'warehouse' || e.what === 'profiles') reloadInfo = true;
    }
  }
  useApp.setState({ runEvents: addRunEvents(s.runEvents, runEvents), activeRunId, generate, ...(revised ? { revision } : {}) });
  applyCloudEvents(batch);
  if (reloadInfo) void s.loadInfo();
}

export function startEventStream(): () => void {
  return onEvents(applyBatch, (connection) => useApp.setState({ connection }));
}
