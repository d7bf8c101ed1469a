import type { Command } from 'commander';
import { resolve } from 'node:path';
import { redactSecrets } from '../orchestrator/redact.ts';
import { loadProfile } from '../profiles/load.ts';
import type { Profile } from '../profiles/types.ts';
import { stageTimeoutSeconds } from '../run/stage-timeout.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { DEFAULT_WORKSPACE, workspacePaths } from '../workspace.ts';
import { color } from './progress.ts';
import { parseProfile } from './run.ts';

/** What `claims profile show --json` prints: the profile as resolved, and what each stage gets on it. */
export interface ProfileShow {
  profile: Profile;
  /** The pipeline's stages in the order a run executes them, each with its time limit (0 = none). */
  stages: Array<{ name: string; timeout_seconds: number }>;
}

export function profileShow(profile: Profile): ProfileShow {
  return { profile: redactSecrets(profile), stages: PIPELINE_STAGES.map((name) => ({ name, timeout_seconds: stageTimeoutSeconds(profile, name) })) };
}

export function registerProfile(program: Command): void {
  const profile = program.command('profile').description('Inspect the profiles of a workspace');
  profile
    .command('show [name]')
    .description('Show a profile as runs see it, defaults filled in (default: the active profile)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, flags) => {
      const shown = profileShow(await loadProfile(workspacePaths(resolve(flags.workspace)).profiles, parseProfile(name)));
      if (flags.json) return void process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      const p = shown.profile;
      console.log(`${color.bold(`Profile ${p.name}`)} ${color.dim(`(kind ${p.kind})`)}${p.description ? `\n  ${p.description}` : ''}`);
      console.log(`  retry       ${p.retry.maxAttempts} attempt${p.retry.maxAttempts === 1 ? '' : 's'}, backoff from ${p.retry.baseDelayMs} ms to ${p.retry.maxDelayMs} ms, jitter ${p.retry.jitter}`);
      console.log(`  schedule    ${p.schedule ?? color.dim('none')}`);
      console.log(`  timeouts    ${shown.stages.map((s) => `${s.name} ${s.timeout_seconds ? `${s.timeout_seconds}s` : 'none'}`).join(', ')}`);
      console.log(`  generate    ${Object.entries(p.generate).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    });
}
