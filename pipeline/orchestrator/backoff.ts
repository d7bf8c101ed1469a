import type { RetryPolicy } from './types.ts';

export function validateRetryPolicy(policy: RetryPolicy, stage: string): void {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) problems.push(`maxAttempts must be a whole number ≥ 1, got ${policy.maxAttempts}`);
  if (!Number.isFinite(policy.baseDelayMs) || policy.baseDelayMs < 0) problems.push(`baseDelayMs must be ≥ 0, got ${policy.baseDelayMs}`);
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < policy.baseDelayMs) {
    problems.push(`maxDelayMs must be ≥ baseDelayMs (${policy.baseDelayMs}), got ${policy.maxDelayMs}`);
  }
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) problems.push(`jitter must be between 0 and 1, got ${policy.jitter}`);
  if (problems.length) throw new Error(`Invalid retry policy for stage "${stage}": ${problems.join('; ')}.`);
}

/**
 * The wait before the attempt after `failedAttempt` (1-based):
 *
 *   ceiling = min(maxDelayMs, baseDelayMs × 2^(failedAttempt − 1))
 *   delay   = ceiling × (1 − jitter × random),  random ∈ [0, 1)
 *
 * so jitter 0 gives the plain exponential series and jitter 1 gives "full jitter" (uniform in
 * [0, ceiling)). Spreading the waits keeps retries of parallel runs from hitting a recovering
 * service (S3, Glue, Snowflake) at the same instant.
 */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling * (1 - policy.jitter * random()));
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
