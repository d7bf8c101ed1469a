import type { Command } from 'commander';
import { resolve } from 'node:path';
import { RunBusyError, RUN_ID_PATTERN } from '../orchestrator/store.ts';
import type { RunRecord, RunTrigger } from '../orchestrator/types.ts';
import { isPipelineStage, PIPELINE_STAGES, type PipelineStage } from '../stages/names.ts';
import { profileNameProblem } from '../profiles/names.ts';
import { startPipelineRun } from '../run/index.ts';
import { DbtWorker } from '../transform/dbt-worker.ts';
import { LakeBusyError } from '../run/lake-lock.ts';
import { WorkspaceBusyError } from '../run/lock.ts';
import { MAX_BATCH } from '../generate/options.ts';
import { DEFAULT_WORKSPACE } from '../workspace.ts';
import { printSummary, RunRenderer } from './render.ts';
import { color } from './progress.ts';

export function parseStages(list: string | undefined): PipelineStage[] | undefined {
  if (!list) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((s) => !isPipelineStage(s));
  if (bad.length) throw new Error(`--stages: unknown stage ${bad.join(', ')}; stages are ${PIPELINE_STAGES.join(', ')}`);
  return names as PipelineStage[];
}

/** --profile as given, refused before anything runs when it cannot be a profile's name. */
export function parseProfile(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const problem = profileNameProblem(v);
  if (problem) throw new Error(`--profile: ${problem}`);
  return v;
}

export function parseBatch(v: string | undefined): number | 'next' | undefined {
  if (v === undefined || v === 'next') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH) throw new Error(`--batch: expected a batch number from 1 to ${MAX_BATCH}, or next, got "${v}"`);
  return n;
}

function parseRunId(v: string | undefined): string | undefined {
  if (v !== undefined && !RUN_ID_PATTERN.test(v)) throw new Error(`--run-id: "${v.slice(0, 80)}" is not a run id; run ids look like 20250131-142501-a1b2c3.`);
  return v;
}

const TRIGGERS = ['manual', 'schedule', 'api', 'airflow'] as const satisfies readonly Exclude<RunTrigger, 'resume'>[];

function parseTrigger(v: string): (typeof TRIGGERS)[number] {
  if (!(TRIGGERS as readonly string[]).includes(v)) throw new Error(`--trigger: must be one of ${TRIGGERS.join(', ')}, got "${v}"`);
  return v as (typeof TRIGGERS)[number];
}

function parseRetries(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new Error(`--retries: expected a whole number from 0 to 100, got "${v}"`);
  return n;
}

/**
 * Exit codes: 0 succeeded (or, for a joined run, this invocation's stages did), 1 failed for good
 * (bad input, a failed check), 75 failed but trying again may help (a retryable error, a busy
 * workspace or run: EX_TEMPFAIL), 130 cancelled.
 */
export const EXIT = { ok: 0, failed: 1, tempfail: 75, cancelled: 130 } as const;

/** Whether an invocation may reach the transform stage (a resumed run may: its plan is the run's). */
function runsTransform(stages: readonly PipelineStage[] | undefined): boolean {
  return !stages || stages.includes('transform');
}

/** A joined run is judged by the stages this invocation ran; its other stages are other invocations' business. */
function exitCode(record: RunRecord, stages: readonly string[] | undefined): number {
  const mine = record.stages.filter((s) => s.status !== 'skipped' && (!record.joinable || !stages || stages.includes(s.name)));
  const failed = mine.find((s) => s.status === 'failed');
  if (failed || (!record.joinable && record.status === 'failed')) return (failed?.error ?? record.error)?.retryable ? EXIT.tempfail : EXIT.failed;
  if (record.status === 'cancelled' && mine.some((s) => s.status !== 'succeeded')) return EXIT.cancelled;
  return EXIT.ok;
}

/** Ctrl-C (or a SIGTERM, as a scheduler sends to stop a task) once cancels the run cleanly; twice exits at once. */
function cancelOnInterrupt(): AbortController {
  const controller = new AbortController();
  let pressed = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    pressed++;
    if (pressed === 1) {
      console.error(color.yellow(signal === 'SIGINT' ? '\nCancelling… (Ctrl-C again to quit immediately)' : `\nCancelling on ${signal}…`));
      controller.abort(new Error(signal === 'SIGINT' ? 'Cancelled by Ctrl-C' : `Cancelled by ${signal}`));
    } else process.exit(EXIT.cancelled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the pipeline (generate → ingest → cleanse → load → transform → verify) for one batch')
    .option('--profile <name>', 'profile from <workspace>/profiles.yaml (default: the active one, else local)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--batch <k>', 'batch of the timeline to run, or next: the one after the last batch loaded', '1')
    .option('--stages <list>', `comma-separated stages to run on their own (${PIPELINE_STAGES.join(',')})`)
    .option('--resume <run-id>', 'continue a failed or cancelled run from its first unfinished stage')
    .option('--run-id <id>', 'run under this id, joining the run if it exists: how an outside orchestrator runs one stage per task into one run')
    .option('--trigger <name>', `who starts the run (${TRIGGERS.join(', ')})`, 'manual')
    .option('--retries <n>', "retries after a stage's first attempt, in place of the profile's retry.max_attempts (0 when the caller retries)")
    .option('--force', 'redo stages even if this batch already went through them (replaces the landed batch)')
    .option('--verbose', "print every stage's log lines, not only warnings and errors")
    .option('--json', 'print one machine-readable summary instead of progress')
    .action(async (flags) => {
      const options = {
        workspace: resolve(flags.workspace),
        profile: parseProfile(flags.profile),
        batch: parseBatch(flags.batch),
        stages: parseStages(flags.stages),
        resumeRunId: parseRunId(flags.resume),
        runId: parseRunId(flags.runId),
        trigger: parseTrigger(flags.trigger),
        retries: parseRetries(flags.retries),
        force: Boolean(flags.force),
      };
      if (options.runId && options.resumeRunId) throw new Error('--run-id and --resume: a run is either joined or resumed, not both.');
      const controller = cancelOnInterrupt();
      const renderer = flags.json ? undefined : new RunRenderer({ verbose: Boolean(flags.verbose) });
      // dbt starts while the stages before the transform run, so its imports cost no wall time; the
      // process ends with this invocation (the CLI stays one-shot)
      const dbt = runsTransform(options.stages) ? new DbtWorker() : undefined;
      let result: Awaited<ReturnType<typeof startPipelineRun>>;
      try {
        result = await startPipelineRun(options, { signal: controller.signal, onEvent: (e) => renderer?.onEvent(e), onNotice: (m) => console.error(color.dim(m)), ...(dbt ? { dbt } : {}) });
      } catch (err) {
        // someone else is writing: waiting and trying again helps
        if (!(err instanceof WorkspaceBusyError || err instanceof RunBusyError || (err instanceof LakeBusyError && err.retryable))) throw err;
        console.error(`${color.red('✖')} ${err.message}`);
        process.exitCode = EXIT.tempfail;
        return;
      } finally {
        await dbt?.stop();
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
      else printSummary(result.summary);
      process.exitCode = exitCode(result.record, options.stages);
    });
}
