// A run as the UI shows it: the stored record and event log, kept current by the live event
// stream. State changes refetch run.json (the source of truth, written atomically by the runner);
// log lines and progress come straight from the stream in between.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunEvent, RunRecord } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { useApp } from './app.ts';

export interface LiveRun {
  run: RunRecord | null;
  events: RunEvent[];
  active: boolean;
  error: unknown;
  progress: Partial<Record<string, { fraction?: number; rows?: number; total?: number; message?: string }>>;
  reload(): void;
}

const STATE_EVENTS = new Set(['run.started', 'stage.started', 'stage.succeeded', 'stage.failed', 'stage.cancelled', 'stage.retrying', 'stage.skipped', 'run.finished']);

/** Events have no ids; the whole event is its identity (the file and the stream carry the same JSON). */
const keyOf = (e: RunEvent) => JSON.stringify(e);

export function useRunLive(runId: string | null): LiveRun {
  const live = useApp((s) => (runId ? s.runEvents[runId] : undefined));
  const [state, setState] = useState<{ run: RunRecord | null; events: RunEvent[]; active: boolean; error: unknown }>({ run: null, events: [], active: false, error: null });
  const [tick, setTick] = useState(0);
  const seen = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // The stored log, plus whatever the stream delivered that the file did not have yet when read.
  useEffect(() => {
    if (!runId) return;
    let cancelled = false;
    call('runs.get', { runId }).then(
      (r) => {
        if (cancelled) return;
        seen.current = new Set(r.events.map(keyOf));
        const extra = (useApp.getState().runEvents[runId] ?? []).filter((e) => !seen.current.has(keyOf(e)));
        for (const e of extra) seen.current.add(keyOf(e));
        setState({ run: r.run, events: [...r.events, ...extra], active: r.active, error: null });
      },
      (error: unknown) => !cancelled && setState((s) => ({ ...s, error })),
    );
    return () => {
      cancelled = true;
    };
  }, [runId, tick]);

  // New live events: appended once each; state changes also trigger a (debounced) refetch of run.json.
  useEffect(() => {
    if (!live) return;
    const fresh = live.filter((e) => !seen.current.has(keyOf(e)));
    if (!fresh.length) return;
    for (const e of fresh) seen.current.add(keyOf(e));
    setState((s) => ({ ...s, events: [...s.events, ...fresh] }));
    if (fresh.some((e) => STATE_EVENTS.has(e.type))) {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setTick((t) => t + 1), 250);
    }
  }, [live]);

  const progress = useMemo(() => {
    const out: LiveRun['progress'] = {};
    for (const e of state.events) {
      if (e.type === 'stage.progress') out[e.stage] = { ...out[e.stage], ...(e.fraction !== undefined ? { fraction: e.fraction } : {}), ...(e.rows !== undefined ? { rows: e.rows } : {}), ...(e.total !== undefined ? { total: e.total } : {}), ...(e.message ? { message: e.message } : {}) };
      if (e.type === 'stage.started') out[e.stage] = {};
    }
    return out;
  }, [state.events]);

  return { ...state, progress, reload: () => setTick((t) => t + 1) };
}
