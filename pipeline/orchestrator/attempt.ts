import { StageError, type Stage, type StageContext, type StageResult } from './types.ts';

// setTimeout fires at once for delays beyond a signed 32-bit number of milliseconds.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function validateTimeout(ms: number, stage: string): void {
  if (!(ms > 0) || (ms !== Infinity && ms > MAX_TIMEOUT_MS)) {
    throw new Error(`Invalid timeout for stage "${stage}": expected milliseconds between 1 and ${MAX_TIMEOUT_MS} (or Infinity for none), got ${ms}.`);
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${+(ms / 60_000).toFixed(1)}min`;
}

export type AttemptOutcome = { ok: true; result: StageResult } | { ok: false; error: unknown; timedOut: boolean };

/**
 * Runs one attempt of a stage. Its signal aborts when the run's signal does or when the timeout
 * passes; either way the attempt ends then (after the stage's bounded wind-down, Stage.windDownMs),
 * even if the stage ignores its signal, because the runner must not hang on a stage that does. The
 * stage's own promise is then left to settle unobserved.
 */
export async function runAttempt(
  stage: Stage,
  makeContext: (signal: AbortSignal) => StageContext,
  timeoutMs: number,
  runSignal: AbortSignal,
  attempt: number,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === Infinity
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(timeoutError(stage.name, timeoutMs, attempt));
        }, timeoutMs);
  const forward = () => controller.abort(runSignal.reason);
  runSignal.addEventListener('abort', forward, { once: true });
  if (runSignal.aborted) forward();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  let running: Promise<StageResult> | undefined;
  try {
    running = new Promise<StageResult>((resolve) => resolve(stage.run(makeContext(controller.signal))));
    const result = await Promise.race([running, aborted]);
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new StageError(`Stage "${stage.name}" resolved to ${Array.isArray(result) ? 'an array' : String(result)} instead of a result object.`, {
        retryable: false,
        hint: 'A stage resolves to a StageResult: { rows?, outputs?, summary? }, or {} when it has nothing to report.',
      });
    }
    return { ok: true, result };
  } catch (err) {
    if (controller.signal.aborted && running && stage.windDownMs) await windDown(running, stage.windDownMs);
    if (!timedOut) return { ok: false, error: err, timedOut };
    const reason = controller.signal.reason as StageError;
    // A stage that honours its signal usually rethrows an AbortError; keep it as the cause.
    return { ok: false, error: err === reason ? reason : timeoutError(stage.name, timeoutMs, attempt, err), timedOut };
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener('abort', forward);
  }
}

/** Waits (bounded) for an aborted stage's own promise to settle, whatever it settles to. */
async function windDown(running: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([running.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function timeoutError(stage: string, timeoutMs: number, attempt: number, cause?: unknown): StageError {
  return new StageError(`Stage "${stage}" timed out after ${formatDuration(timeoutMs)} (attempt ${attempt}).`, {
    retryable: true,
    hint: `If the data needs longer, raise the timeout of "${stage}"; otherwise look at the stage log for where it stalled.`,
    cause,
  });
}
