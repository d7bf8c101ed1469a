// The live events the app holds per run, between the stream and the views. Bounded: the newest
// events of the few runs that streamed last. A view that needs a run's whole log reads it from the
// run record (runs.get) and takes from here only what came after it.
import type { RunEvent } from '../../../pipeline/api/protocol.ts';

export interface BufferLimits {
  /** Newest events kept per run. */
  eventsPerRun: number;
  /** Runs kept, those that streamed most recently. */
  runs: number;
}

const BUFFER_LIMITS: BufferLimits = { eventsPerRun: 2000, runs: 4 };

export type RunBuffers = Record<string, RunEvent[]>;

/** Adds one batch's run events: one new array per run that got events, the oldest dropped past the limits. */
export function addRunEvents(buffers: RunBuffers, events: readonly RunEvent[], limits: BufferLimits = BUFFER_LIMITS): RunBuffers {
  if (!events.length) return buffers;
  const incoming = new Map<string, RunEvent[]>();
  for (const e of events) {
    const list = incoming.get(e.runId);
    if (list) list.push(e);
    else incoming.set(e.runId, [e]);
  }
  // key order is recency: a run that got events moves to the end, and the first keys are dropped
  const next: RunBuffers = {};
  for (const [id, list] of Object.entries(buffers)) if (!incoming.has(id)) next[id] = list;
  for (const [id, list] of incoming) {
    const merged = [...(buffers[id] ?? []), ...list];
    next[id] = merged.length > limits.eventsPerRun ? merged.slice(merged.length - limits.eventsPerRun) : merged;
  }
  const ids = Object.keys(next);
  for (const id of ids.slice(0, Math.max(0, ids.length - limits.runs))) delete next[id];
  return next;
}
