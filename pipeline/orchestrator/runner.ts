import { runAttempt, validateTimeout } from './attempt.ts';
import { backoffDelay, sleep as realSleep, validateRetryPolicy } from './backoff.ts';
import { toErrorRecord } from './error-record.ts';
import { executionOrder, planRun } from './graph.ts';
import { redactSecrets } from './redact.ts';
import { appendEvent, createRun, loadRun, saveRun, secondsBetween } from './store.ts';
import {
  StageError,
  type RetryPolicy,
  type RunEvent,
  type RunOptions,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
  type Stage,
  type StageContext,
  type StageName,
  type StageRecord,
  type StageResult,
} from './types.ts';

export interface RunPipelineOptions {
  retry: (stage: Stage) => RetryPolicy;
  timeoutMs: (stage: Stage) => number;
  /** Aborting it cancels the run; runPipeline then resolves with status 'cancelled'. */
  signal?: AbortSignal;
  /** Who started the run. Defaults to 'manual'; a run started with resumeRunId is recorded as 'resume'. */
  trigger?: Exclude<RunTrigger, 'resume'>;
  onEvent?: (event: RunEvent) => void;
  /** A failed or cancelled run to continue: its succeeded stages are copied, not run again. */
  resumeRunId?: string;
  /** Waits between attempts; injectable so tests need not wait. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

type StageOutcome = Exclude<RunStatus, 'running'>;

/** An event as the runner states it; emit gives it its place in the log (seq). */
type UnnumberedEvent = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'seq'> : never) : never;

const blankStage = (name: StageName): StageRecord => ({
  name,
  status: 'pending',
  attempts: 0,
  startedAt: null,
  endedAt: null,
  seconds: null,
  rows: {},
  result: null,
});

const reasonText = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));
const sameSelection = (a: readonly string[], b: readonly string[]) => [...a].sort().join(',') === [...b].sort().join(',');

interface Plan {
  order: Stage[];
  plan: StageName[];
  previous?: RunRecord;
}

async function planResume(stages: Stage[], options: RunOptions, resumeRunId: string): Promise<Plan> {
  const previous = await loadRun(options.workspace, resumeRunId);
  if (previous.status !== 'failed' && previous.status !== 'cancelled') {
    const state = previous.status === 'running' ? 'is still running' : 'succeeded';
    throw new Error(`Run ${resumeRunId} ${state}; only failed or cancelled runs can be resumed. Start a new run instead.`);
  }
  if (previous.profile !== options.profile || previous.batch !== options.batch) {
    throw new Error(
      `Run ${resumeRunId} ran profile "${previous.profile}" batch ${previous.batch}, not profile "${options.profile}" batch ${options.batch}; ` +
        'resume it with the same profile and batch, or start a new run.',
    );
  }
  const before = previous.options.stages;
  if (options.stages && before && !sameSelection(options.stages, before)) {
    throw new Error(`Run ${resumeRunId} selected stages ${before.join(', ')}, not ${options.stages.join(', ')}; a resume keeps the original selection.`);
  }
  return { order: executionOrder(stages), plan: planRun(stages, options.stages ?? before), previous };
}

function initialStages({ order, plan, previous }: Plan): StageRecord[] {
  return order.map((stage) => {
    if (!plan.includes(stage.name)) return { ...blankStage(stage.name), status: 'skipped' };
    const done = previous?.stages.find((s) => s.name === stage.name && s.status === 'succeeded');
    if (!done || !previous) return blankStage(stage.name);
    return { ...structuredClone(done), restoredFrom: done.restoredFrom ?? previous.runId };
  });
}

/**
 * Runs the stages in graph order and resolves with the final run record, persisted in
 * <workspace>/runs/<runId>/. Stage failures and cancellation resolve (status 'failed' or
 * 'cancelled'); a bad stage graph, retry policy, timeout or resume request rejects before the run
 * starts, and a failure of the run store itself rejects after marking the run failed.
 */
export async function runPipeline(stages: Stage[], options: RunOptions, runner: RunPipelineOptions): Promise<RunRecord> {
  if (typeof options.workspace !== 'string' || options.workspace === '') throw new Error('runPipeline: options.workspace must name the workspace folder.');
  const workspace = options.workspace;
  const plan: Plan = runner.resumeRunId
    ? await planResume(stages, options, runner.resumeRunId)
    : { order: executionOrder(stages), plan: planRun(stages, options.stages) };
  const byName = new Map(plan.order.map((s) => [s.name, s]));
  const policies = new Map<StageName, RetryPolicy>();
  const timeouts = new Map<StageName, number>();
  for (const name of plan.plan) {
    const stage = byName.get(name) as Stage;
    const policy = runner.retry(stage);
    validateRetryPolicy(policy, name);
    policies.set(name, policy);
    const timeout = runner.timeoutMs(stage);
    validateTimeout(timeout, name);
    timeouts.set(name, timeout);
  }

  const runSignal = runner.signal ?? new AbortController().signal;
  const sleep = runner.sleep ?? realSleep;
  const random = runner.random ?? Math.random;
  const record = await createRun(workspace, {
    options,
    trigger: runner.resumeRunId ? 'resume' : (runner.trigger ?? 'manual'),
    stages: initialStages(plan),
    ...(plan.previous ? { resumedFrom: plan.previous.runId } : {}),
  });
  const runId = record.runId;
  const results: Partial<Record<StageName, StageResult>> = {};
  for (const s of record.stages) if (s.status === 'succeeded' && s.result) results[s.name] = s.result;

  // Once run.finished is written the log is closed; a timed-out stage that is still running in
  // the background cannot append to a finished run.
  let logOpen = true;
  const now = () => new Date().toISOString();
  // seq counts the lines of this run's events.jsonl: it moves on only once the line is written
  let seq = 0;
  const emit = (event: UnnumberedEvent) => {
    if (!logOpen) return;
    const safe = redactSecrets({ ...event, seq: seq + 1 } as RunEvent);
    appendEvent(workspace, runId, safe);
    seq = safe.seq;
    runner.onEvent?.(safe);
  };
  // Stages log through plain calls; if writing an event fails there, the failure is held and
  // rethrown once the attempt returns, so it fails the run instead of counting as a stage error.
  let sinkError: { error: unknown } | undefined;
  const emitFromStage = (event: UnnumberedEvent) => {
    if (sinkError) return;
    try {
      emit(event);
    } catch (error) {
      sinkError = { error };
    }
  };
  const save = () => saveRun(workspace, record);

  const endStage = (rec: StageRecord, status: StageRecord['status']) => {
    rec.status = status;
    rec.endedAt = now();
    rec.seconds = secondsBetween(rec.startedAt ?? rec.endedAt, rec.endedAt);
  };

  const cancelStage = async (rec: StageRecord, attempt: number, when: string): Promise<StageOutcome> => {
    endStage(rec, 'cancelled');
    rec.error = { message: `Run cancelled ${when} "${rec.name}" (attempt ${attempt}): ${reasonText(runSignal.reason)}` };
    await save();
    emit({ type: 'stage.cancelled', runId, timestamp: now(), stage: rec.name, attempt, error: rec.error });
    return 'cancelled';
  };

  const runStage = async (stage: Stage, rec: StageRecord): Promise<StageOutcome> => {
    const policy = policies.get(stage.name) as RetryPolicy;
    const timeoutMs = timeouts.get(stage.name) as number;
    rec.status = 'running';
    rec.startedAt = now();
    for (let attempt = 1; ; attempt++) {
      rec.attempts = attempt;
      await save();
      emit({ type: 'stage.started', runId, timestamp: now(), stage: stage.name, attempt, maxAttempts: policy.maxAttempts, timeoutMs });
      const makeContext = (signal: AbortSignal): StageContext => ({
        runId,
        stage: stage.name,
        attempt,
        options,
        signal,
        results: { ...results },
        log: (level, message, fields) =>
          emitFromStage({ type: 'stage.log', runId, timestamp: now(), stage: stage.name, attempt, level, message, ...(fields ? { fields } : {}) }),
        progress: (p) => emitFromStage({ ...p, type: 'stage.progress', runId, timestamp: now(), stage: stage.name, attempt }),
      });
      const outcome = await runAttempt(stage, makeContext, timeoutMs, runSignal, attempt);
      if (sinkError) throw sinkError.error;

      if (outcome.ok) {
        endStage(rec, 'succeeded');
        rec.result = outcome.result;
        rec.rows = { ...(outcome.result.rows ?? {}) };
        results[stage.name] = outcome.result;
        await save();
        emit({ type: 'stage.succeeded', runId, timestamp: now(), stage: stage.name, attempt, seconds: rec.seconds ?? 0, result: outcome.result });
        return 'succeeded';
      }
      if (runSignal.aborted) return cancelStage(rec, attempt, 'while running');

      const retryable = outcome.error instanceof StageError ? outcome.error.retryable : true;
      if (retryable && attempt < policy.maxAttempts) {
        const delayMs = backoffDelay(policy, attempt, random);
        const error = toErrorRecord(outcome.error);
        emit({ type: 'stage.retrying', runId, timestamp: now(), stage: stage.name, attempt, maxAttempts: policy.maxAttempts, delayMs, error });
        try {
          await sleep(delayMs, runSignal);
        } catch (err) {
          if (runSignal.aborted) return cancelStage(rec, attempt, 'while waiting to retry');
          throw err;
        }
        if (runSignal.aborted) return cancelStage(rec, attempt, 'while waiting to retry');
        continue;
      }

      endStage(rec, 'failed');
      rec.error = toErrorRecord(outcome.error);
      if (retryable) rec.error.hint ??= attempt > 1 ? `Gave up after ${attempt} attempts; the error may be transient, so resume the run once its cause is fixed.` : 'Resume the run once its cause is fixed (the profile allows this stage one attempt; set retry.max_attempts for more).';
      record.error = { ...rec.error, stage: stage.name };
      await save();
      emit({ type: 'stage.failed', runId, timestamp: now(), stage: stage.name, attempt, error: rec.error });
      return 'failed';
    }
  };

  const finish = (status: StageOutcome) => {
    record.status = status;
    record.endedAt = now();
    record.seconds = secondsBetween(record.startedAt, record.endedAt);
  };

  try {
    emit({
      type: 'run.started',
      runId,
      timestamp: now(),
      profile: record.profile,
      batch: record.batch,
      trigger: record.trigger,
      ...(record.resumedFrom ? { resumedFrom: record.resumedFrom } : {}),
      plan: plan.plan,
      options: record.options,
    });
    for (const rec of record.stages) {
      if (rec.status === 'skipped') emit({ type: 'stage.skipped', runId, timestamp: now(), stage: rec.name, reason: `not selected (stages: ${plan.plan.join(', ')})` });
      else if (rec.restoredFrom) {
        emit({ type: 'stage.skipped', runId, timestamp: now(), stage: rec.name, reason: `succeeded in run ${rec.restoredFrom}; result restored` });
      }
    }

    let status: StageOutcome = 'succeeded';
    for (const name of plan.plan) {
      const rec = record.stages.find((s) => s.name === name) as StageRecord;
      if (rec.status === 'succeeded') continue;
      if (runSignal.aborted) {
        status = 'cancelled';
        break;
      }
      status = await runStage(byName.get(name) as Stage, rec);
      if (status !== 'succeeded') break;
    }

    finish(status);
    await save();
    emit({ type: 'run.finished', runId, timestamp: now(), status, seconds: record.seconds ?? 0, ...(record.error ? { error: record.error } : {}) });
    logOpen = false;
    return record;
  } catch (err) {
    // The run store or an onEvent handler failed: the run cannot go on, and must not look alive.
    // Such a failure is never retried: it is not the stage's.
    logOpen = false;
    const running = record.stages.find((s) => s.status === 'running');
    const error = toErrorRecord(err);
    if (running) {
      endStage(running, 'failed');
      running.error = error;
    }
    record.error = running ? { ...error, stage: running.name } : error;
    finish('failed');
    try {
      await save();
    } catch (saveErr) {
      throw new AggregateError([err, saveErr], `Run ${runId} failed inside the orchestrator and its run.json could not be updated.`);
    }
    throw err;
  }
}
