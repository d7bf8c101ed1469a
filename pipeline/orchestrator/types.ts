// The seam between the orchestrator and the stages plugged into it, plus the run record and the
// event stream the CLI, the API and the UI read. The orchestrator knows no stage by name: the
// pipeline owns its stages (pipeline/stages/index.ts) and hands the graph over.

/** A stage's name, as the graph it belongs to calls it. */
export type StageName = string;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface StageProgress {
  fraction?: number;
  rows?: number;
  total?: number;
  dataset?: string;
  message?: string;
}

export interface StageContext {
  runId: string;
  stage: StageName;
  /** 1-based */
  attempt: number;
  options: RunOptions;
  /** Aborted on cancel or timeout; stages must pass it on to whatever they await. */
  signal: AbortSignal;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  progress(p: StageProgress): void;
  /** Results of earlier stages in this run, including those restored by a resume. */
  results: Partial<Record<StageName, StageResult>>;
  /**
   * What an earlier attempt of this stage remembered about work it started outside this process
   * (a Glue job run id), in this run or in the run a resume continues; null when none did.
   */
  checkpoint: Record<string, unknown> | null;
  /**
   * Persists facts about outside work in the run record at once, before the stage waits on it, so
   * that the next attempt (a retry, a resume, another invocation of a joined run) adopts that work
   * instead of starting it twice. Replaces what was remembered before.
   */
  remember(facts: Record<string, unknown>): Promise<void>;
}

export interface StageResult {
  rows?: Record<string, number>;
  outputs?: Record<string, unknown>;
  summary?: string;
  /**
   * The stage found its work already done (the same batch already landed, cleansed, loaded) and
   * changed nothing. It still succeeded; the summary says what it found.
   */
  noop?: boolean;
}

export interface Stage {
  name: StageName;
  dependsOn: StageName[];
  run(ctx: StageContext): Promise<StageResult>;
  /**
   * How long the runner waits, once the stage's signal has aborted (cancel or timeout), for the
   * stage to wind down before the attempt ends: time to stop outside work it started (a Glue job
   * run) while its clients are still open. A stage that settles sooner ends the wait. Default 0.
   */
  windDownMs?: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the share of each delay that is randomised */
  jitter: number;
}

export interface RunOptions {
  profile: string;
  workspace: string;
  batch: number;
  stages?: StageName[];
  [k: string]: unknown;
}

/**
 * The error a stage throws to say whether trying again can help. Bad input (a broken contract, a
 * missing file) is not retryable; a dropped connection is. Errors that are not StageErrors are
 * treated as retryable, since most of them come from the network or the file system.
 */
export class StageError extends Error {
  readonly retryable: boolean;
  /** What the user should do about it. */
  readonly hint?: string;

  constructor(message: string, opts: { retryable: boolean; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StageError';
    this.retryable = opts.retryable;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
/** Who started a run: the CLI or the app (manual), a cron schedule, the API, a resume, or an Airflow DAG run. */
export type RunTrigger = 'manual' | 'schedule' | 'api' | 'resume' | 'airflow';

export interface ErrorRecord {
  message: string;
  /** Messages of the cause chain, outermost first. */
  cause?: string[];
  hint?: string;
  stack?: string;
  /** On a stage's failure: whether trying again may help (the stage said so, or it was not a StageError). */
  retryable?: boolean;
}

export type RunError = ErrorRecord & { stage?: StageName };

export interface StageRecord {
  name: StageName;
  status: StageStatus;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  seconds: number | null;
  rows: Record<string, number>;
  result: StageResult | null;
  error?: ErrorRecord;
  /** Set when a resume copied this stage from an earlier run instead of running it. */
  restoredFrom?: string;
  /** What the stage remembered about outside work it started (StageContext.remember). */
  checkpoint?: Record<string, unknown>;
}

export interface RunRecord {
  runId: string;
  profile: string;
  /** The run's options with secrets redacted. */
  options: RunOptions;
  batch: number;
  status: RunStatus;
  trigger: RunTrigger;
  resumedFrom?: string;
  /**
   * The run was created under an id its caller chose, to be joined: an outside orchestrator (an
   * Airflow DAG run) runs its stages one process each, every one passing the same id. Between two
   * of them no stage runs and the run is still `running`; its status follows its stages.
   */
  joinable?: boolean;
  startedAt: string;
  endedAt: string | null;
  seconds: number | null;
  /** Every stage of the graph in execution order; stages outside the selection are 'skipped'. */
  stages: StageRecord[];
  /** The failure that stopped the run, and the stage it happened in (none if the orchestrator itself failed). */
  error?: RunError;
}

interface EventBase {
  runId: string;
  /**
   * The event's place in its run's log: 1 for the first, one more for each after it, never
   * repeated within a run (a reader that has seen seq n has seen every event up to n).
   */
  seq: number;
  /** ISO 8601 */
  timestamp: string;
}

interface StageEventBase extends EventBase {
  stage: StageName;
}

export type RunEvent =
  | (EventBase & {
      type: 'run.started';
      profile: string;
      batch: number;
      trigger: RunTrigger;
      resumedFrom?: string;
      /** The stages this run will execute, in order. */
      plan: StageName[];
      options: RunOptions;
    })
  | (EventBase & {
      type: 'run.joined';
      /** who joined: the same trigger as the run's */
      trigger: RunTrigger;
      /** The stages this invocation runs, in order. */
      stages: StageName[];
      options: RunOptions;
    })
  | (StageEventBase & { type: 'stage.started'; attempt: number; maxAttempts: number; timeoutMs: number })
  | (StageEventBase & StageProgress & { type: 'stage.progress'; attempt: number })
  | (StageEventBase & { type: 'stage.log'; attempt: number; level: LogLevel; message: string; fields?: Record<string, unknown> })
  | (StageEventBase & {
      type: 'stage.retrying';
      /** The attempt that failed. */
      attempt: number;
      maxAttempts: number;
      delayMs: number;
      error: ErrorRecord;
    })
  | (StageEventBase & { type: 'stage.succeeded'; attempt: number; seconds: number; result: StageResult })
  | (StageEventBase & { type: 'stage.failed'; attempt: number; error: ErrorRecord })
  | (StageEventBase & { type: 'stage.cancelled'; attempt: number; error: ErrorRecord })
  | (StageEventBase & { type: 'stage.skipped'; reason: string })
  | (EventBase & { type: 'run.finished'; status: Exclude<RunStatus, 'running'>; seconds: number; error?: RunError });

export type RunEventType = RunEvent['type'];
