// A run's log as a view holds it: the events stored in the run record, then the live events with a
// higher seq, each once. Appending a batch costs what the batch holds, not what the log holds.
import type { RunEvent } from '../../../pipeline/api/protocol.ts';

export interface StageProgressView {
  fraction?: number;
  rows?: number;
  total?: number;
  message?: string;
}

export interface RunLog {
  events: RunEvent[];
  /** The seq of the last event held (0 for none). */
  lastSeq: number;
  /** The latest progress of each stage, reset when the stage starts again. */
  progress: Partial<Record<string, StageProgressView>>;
}

export const EMPTY_LOG: RunLog = { events: [], lastSeq: 0, progress: {} };

export interface Appended {
  log: RunLog;
  /** The events that were new, in order. */
  fresh: RunEvent[];
  /** Events are missing before the fresh ones (the stream dropped some): read the record again. */
  gap: boolean;
}

/** The log read from the run record, followed by whatever the stream has that the record had not yet. */
export function logFromRecord(stored: readonly RunEvent[], live: readonly RunEvent[] = []): Appended {
  const base = appendEvents(EMPTY_LOG, stored);
  return appendEvents(base.log, live);
}

/** Appends the events with a seq past the log's last; the rest were seen already. */
export function appendEvents(log: RunLog, events: readonly RunEvent[]): Appended {
  // the stream delivers a run's events in order, so the new ones are a tail: find where it starts
  let start = events.length;
  while (start > 0 && events[start - 1]!.seq > log.lastSeq) start--;
  if (start === events.length) return { log, fresh: [], gap: false };
  const fresh: RunEvent[] = [];
  let last = log.lastSeq;
  for (let i = start; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq <= last) continue;
    fresh.push(e);
    last = e.seq;
  }
  const gap = fresh[0]!.seq > log.lastSeq + 1;
  return { log: { events: [...log.events, ...fresh], lastSeq: last, progress: withProgress(log.progress, fresh) }, fresh, gap };
}

function withProgress(progress: RunLog['progress'], events: readonly RunEvent[]): RunLog['progress'] {
  let out = progress;
  for (const e of events) {
    if (e.type !== 'stage.started' && e.type !== 'stage.progress') continue;
    if (out === progress) out = { ...progress };
    if (e.type === 'stage.started') out[e.stage] = {};
    else {
      out[e.stage] = {
        ...out[e.stage],
        ...(e.fraction !== undefined ? { fraction: e.fraction } : {}),
        ...(e.rows !== undefined ? { rows: e.rows } : {}),
        ...(e.total !== undefined ? { total: e.total } : {}),
        ...(e.message ? { message: e.message } : {}),
      };
    }
  }
  return out;
}
