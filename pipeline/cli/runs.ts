import type { Command } from 'commander';
import { resolve } from 'node:path';
import { listRuns, loadRun, readEvents } from '../orchestrator/store.ts';
import type { RunStatus } from '../orchestrator/types.ts';
import { settleInterruptedRunsIfIdle } from '../run/index.ts';
import { DEFAULT_WORKSPACE } from '../workspace.ts';
import { color } from './progress.ts';

const statusColor = (s: string) => (s === 'succeeded' ? color.green(s) : s === 'failed' ? color.red(s) : s === 'running' ? color.cyan(s) : color.yellow(s));

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('List recorded runs, newest first')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--limit <n>', 'how many', '20')
    .option('--status <status>', 'only runs with this status (running, succeeded, failed, cancelled)')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const statuses = ['running', 'succeeded', 'failed', 'cancelled'];
      if (flags.status && !statuses.includes(flags.status)) throw new Error(`--status: must be one of ${statuses.join(', ')}`);
      await settleInterruptedRunsIfIdle(resolve(flags.workspace));
      const runs = await listRuns(resolve(flags.workspace), { limit: Number(flags.limit), status: flags.status as RunStatus | undefined });
      if (flags.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      if (!runs.length) return void console.log(`No runs yet in ${resolve(flags.workspace)}. Start one with: claims run`);
      for (const r of runs) {
        const stages = r.stages.filter((s) => s.status !== 'skipped').map((s) => (s.status === 'succeeded' ? color.green(s.name) : s.status === 'failed' ? color.red(s.name) : color.dim(s.name)));
        console.log(`${r.runId}  ${statusColor(r.status).padEnd(18)} batch ${String(r.batch).padEnd(3)} ${r.profile.padEnd(10)} ${(r.seconds ?? 0).toFixed(1).padStart(7)}s  ${stages.join(' ')}`);
      }
    });

  program
    .command('logs <run-id>')
    .description('Show the structured log of a run')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--stage <name>', 'only this stage')
    .option('--json', 'print the raw JSON lines')
    .action(async (runId: string, flags) => {
      const workspace = resolve(flags.workspace);
      await settleInterruptedRunsIfIdle(workspace);
      await loadRun(workspace, runId);
      const events = (await readEvents(workspace, runId)).filter((e) => !flags.stage || ('stage' in e && e.stage === flags.stage));
      for (const e of events) {
        if (flags.json) {
          console.log(JSON.stringify(e));
          continue;
        }
        const time = e.timestamp.slice(11, 19);
        const stage = 'stage' in e ? e.stage.padEnd(10) : ''.padEnd(10);
        let text: string;
        switch (e.type) {
          case 'stage.log':
            text = `${e.level.toUpperCase().padEnd(5)} ${e.message}${e.fields ? color.dim(` ${JSON.stringify(e.fields)}`) : ''}`;
            break;
          case 'stage.progress':
            continue;
          case 'stage.failed':
            text = color.red(`failed: ${e.error.message}`);
            break;
          case 'stage.retrying':
            text = color.yellow(`attempt ${e.attempt} failed, retrying in ${e.delayMs} ms: ${e.error.message}`);
            break;
          case 'stage.succeeded':
            text = color.green(`succeeded in ${e.seconds.toFixed(2)}s ${JSON.stringify(e.result.rows ?? {})}`);
            break;
          default:
            text = e.type;
        }
        console.log(`${color.dim(time)} ${stage} ${text}`);
      }
    });
}

