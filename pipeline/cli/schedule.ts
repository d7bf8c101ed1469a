import type { Command } from 'commander';
import { resolve } from 'node:path';
import { nextRuns, runScheduler } from '../orchestrator/schedule.ts';
import { loadProfile } from '../profiles/load.ts';
import { startPipelineRun } from '../run/index.ts';
import { DEFAULT_WORKSPACE, workspacePaths } from '../workspace.ts';
import { color } from './progress.ts';
import { parseBatch, parseProfile, parseStages } from './run.ts';

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description("Run the pipeline in the foreground on the profile's cron schedule (Ctrl-C to stop)")
    .option('--profile <name>', 'profile whose schedule to follow')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--cron <expr>', "override the profile's cron expression")
    .option('--batch <k>', 'batch each scheduled run processes, or next: the one after the last batch loaded', '1')
    .option('--stages <list>', 'stages each scheduled run executes')
    .action(async (flags) => {
      const workspace = resolve(flags.workspace);
      const batch = parseBatch(flags.batch);
      const stages = parseStages(flags.stages);
      const profile = await loadProfile(workspacePaths(workspace).profiles, parseProfile(flags.profile));
      const cron = flags.cron ?? profile.schedule;
      if (!cron) throw new Error(`Profile ${profile.name} has no schedule: add "schedule: '0 6 * * *'" to it in ${workspacePaths(workspace).profiles}, or pass --cron.`);
      const next = nextRuns(cron, new Date(), 3);
      console.error(`Scheduling profile ${profile.name} on "${cron}"; next: ${next.map((d) => d.toISOString()).join(', ')}`);
      const controller = new AbortController();
      process.on('SIGINT', () => controller.abort());
      await runScheduler({
        cron,
        signal: controller.signal,
        trigger: () => startPipelineRun({ workspace, profile: profile.name, batch, stages, trigger: 'schedule' }),
        onTick: (t) => console.error(`${color.dim(t.scheduledFor.toISOString())} ${t.type}${t.type === 'skipped' ? `: ${t.reason}` : t.type === 'trigger-failed' ? `: ${t.error.message}` : ''}`),
      });
    });
}
