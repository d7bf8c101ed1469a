import { BatchStopJobRunCommand, GetJobCommand, GetJobRunCommand, StartJobRunCommand, type GlueClient, type JobRun, type WorkerType } from '@aws-sdk/client-glue';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { sleep } from '../orchestrator/backoff.ts';
import { AwsError, awsErrorCode, awsErrorStatus, GlueJobMissingError, toAwsError, type AwsCallContext } from './errors.ts';
import { GLUE_LOG_GROUPS, GlueRunLogs, type GlueLogLine } from './glue-logs.ts';

export type GlueRunState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'ERROR' | 'WAITING' | 'EXPIRED';
const ENDED = new Set<string>(['STOPPED', 'SUCCEEDED', 'FAILED', 'TIMEOUT', 'ERROR', 'EXPIRED']);
/** How long a cancelled follow watches the stopped run reach an end state. */
const STOP_WATCH_MS = 30_000;

export interface GlueRunsOptions {
  glue: GlueClient;
  logs: CloudWatchLogsClient;
  endpoints?: { glue?: string; logs?: string };
  /**
   * Poll interval: starts at firstMs, doubles up to maxMs, and starts again when the state changes
   * or log lines arrived (a run that is writing is working, and may end at any moment).
   */
  poll?: { firstMs: number; maxMs: number };
  /** Error log lines kept for a failure report (default 20). */
  errorTailLines?: number;
}

export interface StartOptions {
  workerType?: WorkerType;
  numberOfWorkers?: number;
  /** The run's timeout in minutes (Glue stops it then). */
  timeoutMinutes?: number;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** The longest this process waits for the run (default: the run's own timeout plus 15 min). */
  maxWaitMs?: number;
  onState?: (state: GlueRunState, run: JobRun) => void;
  onLog?: (line: GlueLogLine) => void;
  /** Something a person should know that does not stop the run (a log that cannot be read). */
  onWarning?: (message: string) => void;
}

export interface GlueRunResult {
  jobName: string;
  runId: string;
  state: 'SUCCEEDED';
  run: JobRun;
}

const stopCommand = (jobName: string, runId: string) => `aws glue batch-stop-job-run --job-name ${jobName} --job-run-ids ${runId}`;

/** A Glue run that ended in any state but SUCCEEDED. */
export class GlueRunFailedError extends AwsError {
  constructor(
    readonly jobName: string,
    readonly runId: string,
    readonly state: string,
    readonly errorMessage: string,
    readonly logTail: string[],
  ) {
    const tail = logTail.length ? `\nLast lines of its error log:\n${logTail.map((l) => `  ${l}`).join('\n')}` : '';
    super(`Glue job ${jobName} run ${runId} ended ${state}${errorMessage ? `: ${errorMessage}` : ''}.${tail}`, {
      action: 'glue:GetJobRun',
      resource: `Glue job ${jobName} run ${runId}`,
      // ERROR is Glue's own failure, not the job's: the same run again may pass
      retryable: state === 'ERROR',
      hint: `The whole log is in CloudWatch Logs, ${GLUE_LOG_GROUPS.error} and ${GLUE_LOG_GROUPS.output}, stream ${runId}.${state === 'TIMEOUT' ? " Raise the job's timeout or its workers if the data needs longer." : ''}`,
    });
    this.name = 'GlueRunFailedError';
  }
}

/** Glue knows no run with that id (adoption never starts a replacement). */
export class GlueRunMissingError extends AwsError {
  constructor(
    readonly jobName: string,
    readonly runId: string,
    cause?: unknown,
  ) {
    super(`Glue job ${jobName} has no run ${runId}.`, {
      action: 'glue:GetJobRun',
      resource: `Glue job ${jobName} run ${runId}`,
      retryable: false,
      cause,
      hint: 'The recorded run id is wrong, or Glue no longer keeps that run; nothing was started. Run the stage afresh (without --resume).',
    });
    this.name = 'GlueRunMissingError';
  }
}

/** Another run of the job is going, and the job allows one at a time. */
export class GlueRunConcurrencyError extends AwsError {
  constructor(
    readonly jobName: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`Glue job ${jobName} is already running (${detail}).`, {
      action: 'glue:StartJobRun',
      resource: `Glue job ${jobName}`,
      retryable: true,
      cause,
      hint: 'A run left going by a process that stopped is adopted with --resume; otherwise wait for the other run, or stop it in the Glue console.',
    });
    this.name = 'GlueRunConcurrencyError';
  }
}

/** The run outlived the wait of this process; it may still be going on Glue. */
export class GlueRunWaitTimeoutError extends AwsError {
  constructor(
    readonly jobName: string,
    readonly runId: string,
    state: string,
    waitedMs: number,
  ) {
    super(`Glue job ${jobName} run ${runId} is still ${state} after ${Math.round(waitedMs / 60_000)} min of waiting.`, {
      action: 'glue:GetJobRun',
      resource: `Glue job ${jobName} run ${runId}`,
      retryable: false,
      hint: `The run goes on in Glue: --resume adopts it by its id, or stop it (${stopCommand(jobName, runId)}).`,
    });
    this.name = 'GlueRunWaitTimeoutError';
  }
}

/** A cancelled run could not be stopped: it may still run, and cost. */
export class GlueRunStopFailedError extends AwsError {
  constructor(
    readonly jobName: string,
    readonly runId: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`Could not stop Glue job ${jobName} run ${runId}: ${detail}`, {
      action: 'glue:BatchStopJobRun',
      resource: `Glue job ${jobName} run ${runId}`,
      retryable: false,
      cause,
      hint: `The run may still be going: stop it in the Glue console or with ${stopCommand(jobName, runId)}.`,
    });
    this.name = 'GlueRunStopFailedError';
  }
}

/** The outcome of an ended run: its result when it succeeded, else the failure with its log tail. */
export function runOutcome(jobName: string, run: JobRun, errorTail: string[]): GlueRunResult {
  const state = run.JobRunState ?? 'UNKNOWN';
  if (state === 'SUCCEEDED') return { jobName, runId: run.Id ?? '', state: 'SUCCEEDED', run };
  throw new GlueRunFailedError(jobName, run.Id ?? '', state, run.ErrorMessage ?? '', errorTail);
}

/**
 * Glue job runs for the stages: start one with arguments, follow it (state with backoff, log
 * lines as they arrive), stop it when the caller cancels, and adopt a run a previous process
 * started, by its id, without ever starting a second one.
 */
export class GlueRuns {
  private readonly glue: GlueClient;
  private readonly logs: CloudWatchLogsClient;
  private readonly opts: GlueRunsOptions;

  constructor(opts: GlueRunsOptions) {
    this.glue = opts.glue;
    this.logs = opts.logs;
    this.opts = opts;
  }

  private ctx(action: string, resource: string): AwsCallContext {
    const endpoint = this.opts.endpoints?.glue;
    return { action, resource, ...(endpoint ? { endpoint } : {}) };
  }

  /** Starts a run and returns its id at once (Glue runs it; follow it with wait). */
  async start(jobName: string, args: Record<string, string>, opts: StartOptions = {}): Promise<string> {
    const ctx = this.ctx('glue:StartJobRun', `Glue job ${jobName}`);
    try {
      const res = await this.glue.send(
        new StartJobRunCommand({
          JobName: jobName,
          Arguments: args,
          ...(opts.workerType ? { WorkerType: opts.workerType } : {}),
          ...(opts.numberOfWorkers ? { NumberOfWorkers: opts.numberOfWorkers } : {}),
          ...(opts.timeoutMinutes ? { Timeout: opts.timeoutMinutes } : {}),
        }),
      );
      if (!res.JobRunId) throw new Error(`StartJobRun for ${jobName} answered without a run id.`);
      return res.JobRunId;
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'EntityNotFoundException') throw new GlueJobMissingError(ctx, jobName, err);
      if (code === 'ConcurrentRunsExceededException') throw new GlueRunConcurrencyError(jobName, (err as Error).message, err);
      throw toAwsError(err, ctx);
    }
  }

  /** The run as Glue reports it now. */
  async status(jobName: string, runId: string): Promise<JobRun> {
    const ctx = this.ctx('glue:GetJobRun', `Glue job ${jobName} run ${runId}`);
    try {
      const res = await this.glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      if (!res.JobRun) throw new GlueRunMissingError(jobName, runId);
      return res.JobRun;
    } catch (err) {
      if (awsErrorCode(err) === 'EntityNotFoundException') {
        // the same code for a missing job and a missing run: ask which
        if (!(await this.jobExists(jobName))) throw new GlueJobMissingError(ctx, jobName, err);
        throw new GlueRunMissingError(jobName, runId, err);
      }
      throw toAwsError(err, ctx);
    }
  }

  private async jobExists(jobName: string): Promise<boolean> {
    try {
      await this.glue.send(new GetJobCommand({ JobName: jobName }));
      return true;
    } catch (err) {
      if (awsErrorCode(err) === 'EntityNotFoundException') return false;
      throw toAwsError(err, this.ctx('glue:GetJob', `Glue job ${jobName}`));
    }
  }

  /** Asks Glue to stop a run; an already ended run is fine. */
  async stop(jobName: string, runId: string): Promise<void> {
    let res;
    try {
      res = await this.glue.send(new BatchStopJobRunCommand({ JobName: jobName, JobRunIds: [runId] }));
    } catch (err) {
      const status = awsErrorStatus(err);
      const detail = `${awsErrorCode(err) ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
      throw new GlueRunStopFailedError(jobName, runId, detail, toAwsError(err, this.ctx('glue:BatchStopJobRun', `Glue job ${jobName} run ${runId}`)));
    }
    const refused = (res.Errors ?? []).find((e) => e.JobRunId === runId);
    if (refused) {
      const now = await this.status(jobName, runId).catch(() => null);
      if (now && ENDED.has(now.JobRunState ?? '')) return;
      throw new GlueRunStopFailedError(jobName, runId, `${refused.ErrorDetail?.ErrorCode ?? 'refused'}: ${refused.ErrorDetail?.ErrorMessage ?? ''}`);
    }
  }

  /** Follows a run this process started until it ends; stops it if the caller cancels. */
  wait(jobName: string, runId: string, opts: FollowOptions = {}): Promise<GlueRunResult> {
    return this.follow(jobName, runId, opts);
  }

  /**
   * Takes over a run a previous process started (its id was recorded): waits for it if it is
   * still going, or takes its result if it has ended. Never starts a run.
   */
  adopt(jobName: string, runId: string, opts: FollowOptions = {}): Promise<GlueRunResult> {
    return this.follow(jobName, runId, opts);
  }

  private async follow(jobName: string, runId: string, opts: FollowOptions): Promise<GlueRunResult> {
    const signal = opts.signal ?? new AbortController().signal;
    const logs = new GlueRunLogs(this.logs, runId, {
      tailLines: this.opts.errorTailLines ?? 20,
      ...(this.opts.endpoints?.logs ? { endpoint: this.opts.endpoints.logs } : {}),
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    });
    const emit = opts.onLog ?? (() => undefined);
    // at most 5 s between looks: one GetJobRun and two GetLogEvents, far inside their quotas
    const { firstMs, maxMs } = this.opts.poll ?? { firstMs: 1_000, maxMs: 5_000 };
    const started = Date.now();
    let delay = firstMs;
    let last: string | undefined;
    let bound = opts.maxWaitMs;
    try {
      for (;;) {
        signal.throwIfAborted();
        const run = await this.status(jobName, runId);
        const state = (run.JobRunState ?? 'STARTING') as GlueRunState;
        // Glue's own timeout (minutes, default 48 h) bounds the run; we wait a little beyond it
        bound ??= ((run.Timeout ?? 2880) + 15) * 60_000;
        if (state !== last) {
          last = state;
          delay = firstMs;
          opts.onState?.(state, run);
        }
        const arrived = await logs.poll(emit);
        if (ENDED.has(state)) {
          // CloudWatch receives a run's last lines a little after the run ends; a failure report
          // without them would say nothing, so give them a moment to arrive
          for (let look = 0; state !== 'SUCCEEDED' && look < 2 && logs.errorTail().length === 0; look++) {
            await sleep(firstMs, signal);
            await logs.poll(emit);
          }
          return runOutcome(jobName, run, logs.errorTail());
        }
        if (Date.now() - started > bound) throw new GlueRunWaitTimeoutError(jobName, runId, state, Date.now() - started);
        await sleep(delay, signal);
        delay = arrived > 0 ? firstMs : Math.min(maxMs, delay * 2);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      // cancelled: the run must not go on without anyone watching it
      await this.stop(jobName, runId);
      await this.watchStop(jobName, runId, last, opts, firstMs);
      throw signal.reason;
    }
  }

  /**
   * After a stop request: follows the run (bounded) until Glue says it ended, so that the caller
   * sees STOPPING and STOPPED and a cancelled stage leaves no run behind that still seems to go.
   * A run that outlives the bound is said, not waited for: it is stopping on Glue's side.
   */
  private async watchStop(jobName: string, runId: string, last: string | undefined, opts: FollowOptions, pollMs: number): Promise<void> {
    const until = Date.now() + STOP_WATCH_MS;
    for (;;) {
      const run = await this.status(jobName, runId).catch(() => null);
      const state = run?.JobRunState as GlueRunState | undefined;
      if (run && state && state !== last) {
        last = state;
        opts.onState?.(state, run);
      }
      if (state && ENDED.has(state)) return;
      if (Date.now() > until) {
        opts.onWarning?.(`Glue job ${jobName} run ${runId} was asked to stop and is still ${state ?? 'unknown'} after ${STOP_WATCH_MS / 1000} s; Glue ends it (${stopCommand(jobName, runId)} again if it does not).`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
