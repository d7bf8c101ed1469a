import { describe, expect, it } from 'vitest';
import { CronError, nextRuns, runScheduler, type SchedulerTick } from './schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('nextRuns', () => {
  it('lists the next times strictly after the start, in UTC', () => {
    const from = new Date('2025-01-03T03:00:00Z'); // a Friday
    expect(iso(nextRuns('0 2 * * 1-5', from, 3))).toEqual(['2025-01-06T02:00:00.000Z', '2025-01-07T02:00:00.000Z', '2025-01-08T02:00:00.000Z']);
    expect(iso(nextRuns('*/15 * * * *', new Date('2025-01-01T00:00:00Z'), 3))).toEqual([
      '2025-01-01T00:15:00.000Z',
      '2025-01-01T00:30:00.000Z',
      '2025-01-01T00:45:00.000Z',
    ]);
    expect(iso(nextRuns('@monthly', new Date('2025-01-15T12:00:00Z'), 2))).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
    expect(iso(nextRuns('30 0 6 * * *', new Date('2025-01-01T06:00:30Z'), 1))).toEqual(['2025-01-02T06:00:30.000Z']);
    expect(nextRuns('0 2 * * *', new Date('2025-01-01T00:00:00Z'), 0)).toEqual([]);
  });

  it('follows a time zone when given one', () => {
    expect(iso(nextRuns('0 2 * * *', new Date('2025-07-01T00:00:00Z'), 1, { tz: 'America/New_York' }))).toEqual(['2025-07-01T06:00:00.000Z']);
  });

  it('names a bad expression and says what a good one looks like', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(() => nextRuns('61 * * * *', from, 1)).toThrow(CronError);
    expect(() => nextRuns('61 * * * *', from, 1)).toThrow(/^Invalid cron expression "61 \* \* \* \*": Constraint error, got value 61 expected range 0-59\. Use five fields/);
    expect(() => nextRuns('* * *', from, 1)).toThrow('Invalid cron expression "* * *": expected 5 or 6 fields, got 3.');
    expect(() => nextRuns('', from, 1)).toThrow('Invalid cron expression "": expected 5 or 6 fields, got 0.');
    expect(() => nextRuns('@sometimes', from, 1)).toThrow(/^Invalid cron expression "@sometimes"/);
  });
});

/** A clock that moves only when the scheduler sleeps; each sleep yields to pending callbacks first. */
function fakeClock(startIso: string) {
  let t = Date.parse(startIso);
  const waits: number[] = [];
  return {
    waits,
    now: () => new Date(t),
    sleep: async (ms: number, signal: AbortSignal) => {
      await new Promise((r) => setImmediate(r));
      if (signal.aborted) throw signal.reason;
      waits.push(ms);
      t += ms;
    },
  };
}

describe('runScheduler', () => {
  it('triggers at each tick and skips a tick while the previous run is still going', async () => {
    const clock = fakeClock('2025-01-01T00:00:30Z');
    const controller = new AbortController();
    const ticks: SchedulerTick[] = [];
    const triggeredAt: string[] = [];
    let finishFirst: () => void = () => {};
    await runScheduler({
      cron: '* * * * *',
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      trigger: () => {
        triggeredAt.push(clock.now().toISOString());
        return triggeredAt.length === 1 ? new Promise<void>((r) => (finishFirst = r)) : Promise.resolve();
      },
      onTick: (tick) => {
        ticks.push(tick);
        if (tick.type === 'skipped') finishFirst();
        if (ticks.length === 4) controller.abort();
      },
    });
    expect(ticks.map((t) => `${t.type} ${t.scheduledFor.toISOString()}`)).toEqual([
      'triggered 2025-01-01T00:01:00.000Z',
      'skipped 2025-01-01T00:02:00.000Z',
      'triggered 2025-01-01T00:03:00.000Z',
      'triggered 2025-01-01T00:04:00.000Z',
    ]);
    expect(ticks[1]).toMatchObject({ reason: 'the previous scheduled run is still going' });
    expect(triggeredAt).toEqual(['2025-01-01T00:01:00.000Z', '2025-01-01T00:03:00.000Z', '2025-01-01T00:04:00.000Z']);
    expect(clock.waits).toEqual([30_000, 60_000, 60_000, 60_000]);
  });

  it('waits for a far tick in slices and reports a failed trigger without stopping', async () => {
    const clock = fakeClock('2025-01-01T00:00:00Z');
    const controller = new AbortController();
    const ticks: SchedulerTick[] = [];
    await runScheduler({
      cron: '0 0 * * *',
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      trigger: async () => {
        throw new Error('profile "cloud" has no bucket');
      },
      onTick: (tick) => {
        ticks.push(tick);
        if (ticks.filter((t) => t.type === 'trigger-failed').length === 2) controller.abort();
      },
    });
    expect(ticks.map((t) => t.type)).toEqual(['triggered', 'trigger-failed', 'triggered', 'trigger-failed']);
    expect(ticks[1]).toMatchObject({ type: 'trigger-failed', error: { message: 'profile "cloud" has no bucket' } });
    expect(clock.waits).toHaveLength(2 * 24 * 60);
    expect(Math.max(...clock.waits)).toBe(60_000);
  });

  it('stops promptly on abort while waiting for a far tick', async () => {
    const controller = new AbortController();
    let triggered = 0;
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await runScheduler({ cron: '@yearly', signal: controller.signal, trigger: async () => void triggered++ });
    expect(triggered).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects a bad expression before waiting', async () => {
    await expect(runScheduler({ cron: '0 25 * * *', signal: new AbortController().signal, trigger: async () => {} })).rejects.toThrow(
      /^Invalid cron expression "0 25 \* \* \*"/,
    );
  });
});
