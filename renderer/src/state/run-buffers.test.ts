import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../pipeline/api/protocol.ts';
import { addRunEvents, type RunBuffers } from './run-buffers.ts';

const ev = (runId: string, seq: number): RunEvent => ({ type: 'stage.log', runId, seq, timestamp: 't', stage: 'load', attempt: 1, level: 'info', message: String(seq) });
const limits = { eventsPerRun: 5, runs: 2 };

describe('run buffers', () => {
  it('keep the newest events of each run up to the limit', () => {
    let b: RunBuffers = {};
    for (let seq = 1; seq <= 12; seq += 3) b = addRunEvents(b, [ev('a', seq), ev('a', seq + 1), ev('a', seq + 2)], limits);
    expect(b.a!.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
  });

  it('keep the runs that streamed last', () => {
    let b: RunBuffers = {};
    b = addRunEvents(b, [ev('a', 1)], limits);
    b = addRunEvents(b, [ev('b', 1)], limits);
    b = addRunEvents(b, [ev('a', 2)], limits);
    b = addRunEvents(b, [ev('c', 1), ev('c', 2)], limits);
    expect(Object.keys(b)).toEqual(['a', 'c']);
    expect(b.a!.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('leave the arrays of runs without new events as they were, and give the others new ones', () => {
    const b = addRunEvents({}, [ev('a', 1), ev('b', 1)], limits);
    const next = addRunEvents(b, [ev('b', 2)], limits);
    expect(next.a).toBe(b.a);
    expect(next.b).not.toBe(b.b);
    expect(b.b!.map((e) => e.seq)).toEqual([1]);
    expect(addRunEvents(b, [], limits)).toBe(b);
  });
});
