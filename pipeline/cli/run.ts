import type { Command } from 'commander';
import { resolve } from 'node:path';
import { isPipelineStage, PIPELINE_STAGES, type PipelineStage } from '../stages/names.ts';
import { profileNameProblem } from '../profiles/names.ts';
import { startPipelineRun } from '../run/index.ts';
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

function parseBatch(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 36) throw new Error(`--batch: expected a batch number from 1 to 36, got "${v}"`);
  return n;
}

/** Ctrl-C once cancels the run cleanly; twice exits at once. */
function cancelOnInterrupt(): AbortController {
  const controller = new AbortController();
  let pressed = 0;
  process.on('SIGINT', () => {
    pressed++;
    if (pressed === 1) {
      console.error(color.yellow('\nCancelling… (Ctrl-C again to quit immediately)'));
      controller.abort(new Error('Cancelled by Ctrl-C'));
    } else process.exit(130);
  });
  return controller;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the pipeline (generate → ingest → cleanse → load → verify) for one batch')
    .option('--profile <name>', 'profile from <workspace>/profiles.yaml (default: the active one, else local)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--batch <k>', 'batch of the timeline to run', '1')
    .option('--stages <list>', `comma-separated stages to run on their own (${PIPELINE_STAGES.join(',')})`)
    .option('--resume <run-id>', 'continue a failed or cancelled run from its first unfinished stage')
    .option('--force', 'redo stages even if this batch already went through them (replaces the landed batch)')
    .option('--json', 'print one machine-readable summary instead of progress')
    .action(async (flags) => {
      const controller = cancelOnInterrupt();
      const renderer = flags.json ? undefined : new RunRenderer();
      const { summary } = await startPipelineRun(
        {
          workspace: resolve(flags.workspace),
          profile: parseProfile(flags.profile),
          batch: parseBatch(flags.batch),
          stages: parseStages(flags.stages),
          resumeRunId: flags.resume,
          force: Boolean(flags.force),
        },
        { signal: controller.signal, onEvent: (e) => renderer?.onEvent(e) },
      );
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else printSummary(summary);
      process.exitCode = summary.status === 'succeeded' ? 0 : summary.status === 'cancelled' ? 130 : 1;
    });
}
