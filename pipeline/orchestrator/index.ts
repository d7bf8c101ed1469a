// The orchestrator's public API: the stage seam, the runner, the run store and the scheduler.

export {
  STAGE_NAMES,
  StageError,
  type ErrorRecord,
  type LogLevel,
  type RetryPolicy,
  type RunError,
  type RunEvent,
  type RunEventType,
  type RunOptions,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
  type Stage,
  type StageContext,
  type StageName,
  type StageProgress,
  type StageRecord,
  type StageResult,
  type StageStatus,
} from './types.ts';
export { StageGraphError, executionOrder, planRun } from './graph.ts';
export { runPipeline, type RunPipelineOptions } from './runner.ts';
export { backoffDelay, sleep } from './backoff.ts';
export { redactSecrets, SECRET_KEY, REDACTED } from './redact.ts';
export {
  RUN_ID_PATTERN,
  appendEvent,
  createRun,
  listRuns,
  loadRun,
  newRunId,
  readEvents,
  runDir,
  runsDir,
  saveRun,
  secondsBetween,
  settleInterruptedRuns,
  type ListRunsOptions,
  type NewRun,
} from './store.ts';
export { CronError, nextRuns, runScheduler, type SchedulerOptions, type SchedulerTick } from './schedule.ts';
