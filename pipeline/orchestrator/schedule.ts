import { CronExpressionParser } from 'cron-parser';
import { sleep as realSleep } from './backoff.ts';

export class CronError extends Error {
  constructor(
    readonly expression: string,
    problem: string,
  ) {
    super(
      `Invalid cron expression "${expression}": ${problem}. ` +
        'Use five fields (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"), six with seconds first, or a macro such as @daily.',
    );
    this.name = 'CronError';
  }
}

function parse(cron: string, from: Date, tz: string) {
  const fields = cron.trim().split(/\s+/).filter(Boolean);
  // cron-parser fills in missing fields with defaults, which would turn a typo into a schedule.
  if (!cron.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    throw new CronError(cron, `expected 5 or 6 fields, got ${fields.length}`);
  }
  try {
    return CronExpressionParser.parse(cron.trim(), { currentDate: from, tz });
  } catch (err) {
    throw new CronError(cron, (err as Error).message);
  }
}

/** The next `count` times the cron expression fires strictly after `from` (in time zone tz, UTC by default). */
export function nextRuns(cron: string, from: Date, count: number, opts: { tz?: string } = {}): Date[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`nextRuns: count must be a whole number ≥ 0, got ${count}.`);
  if (Number.isNaN(from.getTime())) throw new Error('nextRuns: from is not a valid date.');
  const expression = parse(cron, from, opts.tz ?? 'UTC');
  return expression.take(count).map((d) => d.toDate());
}

export type SchedulerTick =
  | { type: 'triggered'; scheduledFor: Date }
  | { type: 'skipped'; scheduledFor: Date; reason: string }
  | { type: 'trigger-failed'; scheduledFor: Date; error: Error };

export interface SchedulerOptions {
  cron: string;
  /** Stops the scheduler; runScheduler resolves once a run it started has settled. */
  signal: AbortSignal;
  trigger: () => Promise<unknown>;
  /** Reports each tick; without it, failed triggers are written to stderr. */
  onTick?: (tick: SchedulerTick) => void;
  tz?: string;
  now?: () => Date;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

// Long waits are taken in slices: timers cannot wait beyond ~24.8 days, and a laptop that slept
// through a tick should notice the wall clock moved when it wakes.
const MAX_WAIT_SLICE_MS = 60_000;

/**
 * Triggers a run at every time the cron expression fires until the signal aborts. A tick that
 * comes while the previous run is still going is skipped and reported, never queued. Ticks missed
 * while the machine slept are not caught up.
 */
export async function runScheduler(opts: SchedulerOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? realSleep;
  const tz = opts.tz ?? 'UTC';
  parse(opts.cron, now(), tz);
  const report =
    opts.onTick ??
    ((tick: SchedulerTick) => {
      if (tick.type === 'trigger-failed') console.error(`Scheduled run for ${tick.scheduledFor.toISOString()} failed: ${tick.error.message}`);
    });
  let inFlight: Promise<void> | undefined;

  while (!opts.signal.aborted) {
    const [scheduledFor] = nextRuns(opts.cron, now(), 1, { tz });
    if (!scheduledFor) return;
    try {
      for (let wait = scheduledFor.getTime() - now().getTime(); wait > 0; wait = scheduledFor.getTime() - now().getTime()) {
        await sleep(Math.min(wait, MAX_WAIT_SLICE_MS), opts.signal);
      }
    } catch (err) {
      if (opts.signal.aborted) break;
      throw err;
    }
    if (opts.signal.aborted) break;
    if (inFlight) {
      report({ type: 'skipped', scheduledFor, reason: 'the previous scheduled run is still going' });
      continue;
    }
    report({ type: 'triggered', scheduledFor });
    inFlight = Promise.resolve()
      .then(() => opts.trigger())
      .then(
        () => undefined,
        (err: unknown) => report({ type: 'trigger-failed', scheduledFor, error: err instanceof Error ? err : new Error(String(err)) }),
      )
      .finally(() => {
        inFlight = undefined;
      });
  }
  await inFlight;
}
