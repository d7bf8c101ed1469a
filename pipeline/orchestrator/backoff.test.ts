import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep, validateRetryPolicy } from './backoff.ts';

const policy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0 };

describe('backoffDelay', () => {
  it('doubles from the base delay up to the maximum without jitter', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a))).toEqual([1000, 2000, 4000, 8000, 10_000]);
  });

  it('takes up to the jitter share off each delay', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelay(jittered, 2, () => 0)).toBe(2000);
    expect(backoffDelay(jittered, 2, () => 0.5)).toBe(1500);
    expect(backoffDelay(jittered, 2, () => 0.999)).toBe(1001);
    expect(backoffDelay({ ...policy, jitter: 1 }, 3, () => 0.25)).toBe(3000);
  });
});

describe('validateRetryPolicy', () => {
  it('lists every problem and names the stage', () => {
    expect(() => validateRetryPolicy({ maxAttempts: 0, baseDelayMs: -1, maxDelayMs: 5, jitter: 2 }, 'load')).toThrow(
      'Invalid retry policy for stage "load": maxAttempts must be a whole number ≥ 1, got 0; baseDelayMs must be ≥ 0, got -1; jitter must be between 0 and 1, got 2.',
    );
    expect(() => validateRetryPolicy({ ...policy, maxDelayMs: 10 }, 'load')).toThrow(/maxDelayMs must be ≥ baseDelayMs \(1000\), got 10/);
    expect(() => validateRetryPolicy(policy, 'load')).not.toThrow();
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const started = Date.now();
    await sleep(20, new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('user pressed cancel'));
    await expect(waiting).rejects.toThrow('user pressed cancel');
    await expect(sleep(10, controller.signal)).rejects.toThrow('user pressed cancel');
  });
});
