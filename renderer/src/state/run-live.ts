// A run as the UI shows it: the stored record and event log, kept current by the live event
// stream. State changes refetch run.json (the source of truth, written atomically by the runner);
// log lines and progress come straight from the stream in between, each event once by its seq.
import { useEffect, useRef, useState } from 'react';
import type { RunEvent, RunRecord } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { useApp } from './app.ts';
import { appendEvents, EMPTY_LOG, logFromRecord, type RunLog } from './run-log.ts';

export interface LiveRun {
  run: RunRecord | null;
  events: RunEvent[];
  active: boolean;
  error: unknown;
  progress: RunLog['progress'];
  reload(): void;
}

const STATE_EVENTS = new Set(['run.started', 'run.joined', 'stage.started', 'stage.succeeded', 'stage.failed', 'stage.cancelled', 'stage.retrying', 'stage.skipped', 'run.finished']);

interface State {
  run: RunRecord | null;
  log: RunLog;
  active: boolean;
  error: unknown;
}

export function useRunLive(runId: string | null): LiveRun {
  const [state, setState] = useState<State>({ run: null, log: EMPTY_LOG, active: false, error: null });
  const [tick, setTick] = useState(0);
  // the log as last set and the run it belongs to, for the stream to append to between renders
  const held = useRef<{ runId: string | null; log: RunLog }>({ runId: null, log: EMPTY_LOG });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // The stored log, plus whatever the stream delivered that the file did not have yet when read.
  useEffect(() => {
    if (!runId) return;
    let cancelled = false;
    call('runs.get', { runId }).then(
      (r) => {
        if (cancelled) return;
        held.current = { runId, log: logFromRecord(r.events, useApp.getState().runEvents[runId]).log };
        setState({ run: r.run, log: held.current.log, active: r.active, error: null });
      },
      (error: unknown) => !cancelled && setState((s) => ({ ...s, error })),
    );
    return () => {
      cancelled = true;
    };
  }, [runId, tick]);

  // New live events: appended once each; state changes, and events the stream missed, trigger a
  // (debounced) refetch of the record.
  useEffect(() => {
    if (!runId) return;
    const unsubscribe = useApp.subscribe((s, prev) => {
      const buffer = s.runEvents[runId];
      if (!buffer || buffer === prev.runEvents[runId]) return;
      const base = held.current.runId === runId ? held.current.log : EMPTY_LOG;
      const { log, fresh, gap } = appendEvents(base, buffer);
      if (!fresh.length) return;
      held.current = { runId, log };
      setState((st) => ({ ...st, log }));
      if (gap || fresh.some((e) => STATE_EVENTS.has(e.type))) {
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => setTick((t) => t + 1), 250);
      }
    });
    return () => {
      unsubscribe();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [runId]);

  return { run: state.run, events: state.log.events, active: state.active, error: state.error, progress: state.log.progress, reload: () => setTick((t) => t + 1) };
}
