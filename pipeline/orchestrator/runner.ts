import { runAttempt, validateTimeout } from './attempt.ts';
import { backoffDelay, sleep as realSleep, validateRetryPolicy } from './backoff.ts';
import { toErrorRecord } from './error-record.ts';
import { executionOrder, planRun } from './graph.ts';
import { redactSecrets } from './redact.ts';
import { appendEvent, claimRun, createRun, loadRun, nextEventSeq, RunNotFoundError, saveRun, secondsBetween } from './store.ts';
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
  /**
   * Run under this id, joining the run if it exists. An outside orchestrator (an Airflow DAG run)
   * runs the stages one invocation each (`options.stages`), all passing the same id, into one run
   * record; the first invocation creates it with every stage of the graph planned.
   */
  joinRunId?: string;
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
  /** Every stage the run executes, in order; for a joined run, across all its invocations. */
  plan: StageName[];
  /** The stages this invocation runs, in order. */
  selection: StageName[];
  previous?: RunRecord;
  /** The record of the run this invocation joins. */
  joined?: RunRecord;
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
  const plan = planRun(stages, options.stages ?? before);
  return { order: executionOrder(stages), plan, selection: plan, previous };
}

async function planJoin(stages: Stage[], options: RunOptions, runId: string, trigger: RunTrigger): Promise<Plan> {
  const order = executionOrder(stages);
  const selection = planRun(stages, options.stages);
  const joined = await loadRun(options.workspace, runId).catch((err: unknown) => {
    if (err instanceof RunNotFoundError) return undefined;
    throw err;
  });
  if (!joined) return { order, plan: order.map((s) => s.name), selection };
  if (!joined.joinable) throw new Error(`Run ${runId} ran in one process and cannot be joined; resume it (claims run --resume ${runId}) or choose another run id.`);
  if (joined.profile !== options.profile || joined.batch !== options.batch) {
    throw new Error(`Run ${runId} runs profile "${joined.profile}" batch ${joined.batch}, not profile "${options.profile}" batch ${options.batch}; join it with the same profile and batch.`);
  }
  if (joined.trigger !== trigger) throw new Error(`Run ${runId} was started by ${joined.trigger}, not ${trigger}; join it with the same trigger.`);
  if (!sameSelection(joined.stages.map((s) => s.name), order.map((s) => s.name))) {
    throw new Error(`Run ${runId} was recorded with the stages ${joined.stages.map((s) => s.name).join(', ')}; this pipeline has ${order.map((s) => s.name).join(', ')}.`);
  }
  const plan = joined.stages.filter((s) => s.status !== 'skipped').map((s) => s.name);
  const outside = selection.filter((name) => !plan.includes(name));
  if (outside.length) throw new Error(`Run ${runId} does not plan ${outside.join(', ')} (its plan: ${plan.join(', ')}).`);
  return { order, plan, selection, joined };
}

/**
 * A joined run's status follows its stages: failed if one failed, cancelled if one was cancelled,
 * succeeded once every planned stage has, and running in between.
 */
function joinedStatus(record: RunRecord): RunStatus {
  const planned = record.stages.filter((s) => s.status !== 'skipped');
  if (planned.some((s) => s.status === 'failed')) return 'failed';
  if (planned.some((s) => s.status === 'cancelled')) return 'cancelled';
  return planned.every((s) => s.status === 'succeeded') ? 'succeeded' : 'running';
}

/** A joinable run's options: those of the whole run, not of the invocation that created it. */
function runWideOptions(options: RunOptions): RunOptions {
  const whole = { ...options };
  delete whole.stages;
  return whole;
}

function initialStages({ order, plan, previous }: Plan): StageRecord[] {
  return order.map((stage) => {
    if (!plan.includes(stage.name)) return { ...blankStage(stage.name), status: 'skipped' };
    const earlier = previous?.stages.find((s) => s.name === stage.name);
    const done = earlier?.status === 'succeeded' ? earlier : undefined;
    // outside work the earlier run started for a stage it did not finish is this run's to adopt
    if (!done || !previous) return { ...blankStage(stage.name), ...(earlier?.checkpoint ? { checkpoint: structuredClone(earlier.checkpoint) } : {}) };
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
  if (runner.joinRunId === undefined) return runInvocation(stages, options, runner);
  if (runner.resumeRunId) throw new Error('runPipeline: a run is either resumed or joined, not both.');
  // the claim makes this process the run's only writer until it lets go
  const release = await claimRun(options.workspace, runner.joinRunId);
  try {
    return await runInvocation(stages, options, runner);
  } finally {
    await release();
  }
}

async function runInvocation(stages: Stage[], options: RunOptions, runner: RunPipelineOptions): Promise<RunRecord> {
  const workspace = options.workspace;
  const trigger: RunTrigger = runner.resumeRunId ? 'resume' : (runner.trigger ?? 'manual');
  let plan: Plan;
  if (runner.resumeRunId) plan = await planResume(stages, options, runner.resumeRunId);
  else if (runner.joinRunId !== undefined) plan = await planJoin(stages, options, runner.joinRunId, trigger);
  else {
    const selected = planRun(stages, options.stages);
    plan = { order: executionOrder(stages), plan: selected, selection: selected };
  }
  const byName = new Map(plan.order.map((s) => [s.name, s]));
  const policies = new Map<StageName, RetryPolicy>();
  const timeouts = new Map<StageName, number>();
  for (const name of plan.selection) {
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
  let record: RunRecord;
  if (plan.joined) {
    record = plan.joined;
    // running again until this invocation's stages say otherwise
    record.status = 'running';
    record.endedAt = null;
    record.seconds = null;
    delete record.error;
    await saveRun(workspace, record);
  } else {
    record = await createRun(workspace, {
      options: runner.joinRunId === undefined ? options : runWideOptions(options),
      trigger,
      stages: initialStages(plan),
      ...(plan.previous ? { resumedFrom: plan.previous.runId } : {}),
      ...(runner.joinRunId === undefined ? {} : { joinAs: runner.joinRunId }),
    });
  }
  const runId = record.runId;
  const results: Partial<Record<StageName, StageResult>> = {};
  for (const s of record.stages) if (s.status === 'succeeded' && s.result) results[s.name] = s.result;

  // Once run.finished is written the log is closed; a timed-out stage that is still running in
  // the background cannot append to a finished run.
  let logOpen = true;
  const now = () => new Date().toISOString();
  // seq counts the lines of this run's events.jsonl: it moves on only once the line is written; a
  // joining invocation goes on where the one before it left the log
  let seq = plan.joined ? (await nextEventSeq(workspace, runId)) - 1 : 0;
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
    // A joined run may run a stage again (its orchestrator retries it): attempts go on counting,
    // and what the stage recorded before is replaced.
    const before = rec.attempts;
    const lastAttempt = before + policy.maxAttempts;
    // outside work of an attempt that succeeded was used up by it: running the stage again (a
    // joined run's rerun) must start afresh, not adopt that finished work
    if (rec.status === 'succeeded') delete rec.checkpoint;
    rec.status = 'running';
    rec.startedAt = now();
    rec.endedAt = null;
    rec.seconds = null;
    rec.result = null;
    rec.rows = {};
    delete rec.error;
    delete results[stage.name];
    for (let attempt = before + 1; ; attempt++) {
      rec.attempts = attempt;
      await save();
      emit({ type: 'stage.started', runId, timestamp: now(), stage: stage.name, attempt, maxAttempts: lastAttempt, timeoutMs });
      const makeContext = (signal: AbortSignal): StageContext => ({
        runId,
        stage: stage.name,
        attempt,
        options,
        signal,
        results: { ...results },
        checkpoint: rec.checkpoint ? structuredClone(rec.checkpoint) : null,
        remember: async (facts) => {
          rec.checkpoint = redactSecrets(structuredClone(facts));
          await save();
        },
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
      if (retryable && attempt < lastAttempt) {
        const delayMs = backoffDelay(policy, attempt - before, random);
        const error = toErrorRecord(outcome.error);
        emit({ type: 'stage.retrying', runId, timestamp: now(), stage: stage.name, attempt, maxAttempts: lastAttempt, delayMs, error });
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
      rec.error = { ...toErrorRecord(outcome.error), retryable };
      const tries = attempt - before;
      if (retryable && record.joinable) rec.error.hint ??= `Gave up after ${tries} attempt${tries === 1 ? '' : 's'} in this invocation; the error may be transient, so run the stage again under the same run id (its orchestrator's retry does) once its cause is fixed.`;
      else if (retryable) rec.error.hint ??= tries > 1 ? `Gave up after ${tries} attempts; the error may be transient, so resume the run once its cause is fixed.` : 'Resume the run once its cause is fixed (the profile allows this stage one attempt; set retry.max_attempts for more).';
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
    if (plan.joined) {
      emit({ type: 'run.joined', runId, timestamp: now(), trigger: record.trigger, stages: plan.selection, options: redactSecrets(options) });
    } else {
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
    }

    let status: RunStatus = 'succeeded';
    for (const name of plan.selection) {
      const rec = record.stages.find((s) => s.name === name) as StageRecord;
      if (rec.restoredFrom) continue;
      if (runSignal.aborted) {
        status = 'cancelled';
        break;
      }
      status = await runStage(byName.get(name) as Stage, rec);
      if (status !== 'succeeded') break;
    }

    if (record.joinable) {
      // a cancelled invocation cancels the run (even between two of its stages, where no stage is
      // marked cancelled) until another invocation joins it
      if (status !== 'cancelled') status = joinedStatus(record);
      const failed = record.stages.find((s) => s.status === 'failed');
      if (failed?.error) record.error = { ...failed.error, stage: failed.name };
      else delete record.error;
      if (status === 'running') {
        // this invocation is done; the run goes on in the next one
        await save();
        logOpen = false;
        return record;
      }
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
