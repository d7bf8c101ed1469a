import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../pipeline/api/protocol.ts';
import { appendEvents, EMPTY_LOG, logFromRecord } from './run-log.ts';

const RUN = '20250101-000000-abcdef';
const log = (seq: number, message = `line ${seq}`): RunEvent => ({ type: 'stage.log', runId: RUN, seq, timestamp: 't', stage: 'cleanse', attempt: 1, level: 'info', message });
const started = (seq: number): RunEvent => ({ type: 'stage.started', runId: RUN, seq, timestamp: 't', stage: 'cleanse', attempt: 1, maxAttempts: 1, timeoutMs: 1000 });
const progress = (seq: number, p: { fraction?: number; rows?: number; message?: string }): RunEvent => ({ type: 'stage.progress', runId: RUN, seq, timestamp: 't', stage: 'cleanse', attempt: 1, ...p });
const seqs = (events: RunEvent[]) => events.map((e) => e.seq);

describe('run log', () => {
  it('takes from the stream only what the stored log does not have', () => {
    const { log: l, fresh, gap } = logFromRecord([log(1), log(2), log(3)], [log(2), log(3), log(4), log(5)]);
    expect(seqs(l.events)).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(fresh)).toEqual([4, 5]);
    expect(gap).toBe(false);
    expect(l.lastSeq).toBe(5);
  });

  it('appends each event of the stream once, however often the same buffer is offered', () => {
    const buffer = [log(1), log(2)];
    let l = appendEvents(EMPTY_LOG, buffer).log;
    expect(appendEvents(l, buffer).fresh).toEqual([]);
    expect(appendEvents(l, buffer).log).toBe(l);
    buffer.push(log(3));
    const next = appendEvents(l, buffer);
    expect(seqs(next.fresh)).toEqual([3]);
    l = next.log;
    // an event delivered twice within a batch is still taken once
    expect(seqs(appendEvents(l, [log(4), log(4), log(5)]).log.events)).toEqual([1, 2, 3, 4, 5]);
  });

  it('says when the stream skipped events, so the record is read again', () => {
    const { log: l } = logFromRecord([log(1), log(2)]);
    const r = appendEvents(l, [log(7), log(8)]);
    expect(r.gap).toBe(true);
    expect(seqs(r.log.events)).toEqual([1, 2, 7, 8]);
    expect(logFromRecord([log(1)], [log(1), log(2)]).gap).toBe(false);
  });

  it('costs what a batch holds: a long run appended batch by batch stays in order', () => {
    let l = EMPTY_LOG;
    let buffer: RunEvent[] = [];
    for (let seq = 1; seq <= 20_000; seq++) {
      buffer = [...buffer.slice(-1999), log(seq)];
      if (seq % 50 === 0) l = appendEvents(l, buffer).log;
    }
    expect(l.events).toHaveLength(20_000);
    expect(l.events.every((e, i) => e.seq === i + 1)).toBe(true);
  });

  it("keeps each stage's latest progress, reset when the stage starts again", () => {
    const first = logFromRecord([started(1), progress(2, { fraction: 0.5, rows: 10 }), progress(3, { message: 'claims' })]).log;
    expect(first.progress).toEqual({ cleanse: { fraction: 0.5, rows: 10, message: 'claims' } });
    const retried = appendEvents(first, [started(4)]).log;
    expect(retried.progress).toEqual({ cleanse: {} });
    expect(first.progress).toEqual({ cleanse: { fraction: 0.5, rows: 10, message: 'claims' } });
    // log lines leave the progress object as it was
    expect(appendEvents(retried, [log(5)]).log.progress).toBe(retried.progress);
  });
});
