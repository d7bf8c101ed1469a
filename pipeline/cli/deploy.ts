import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Profile } from '../profiles/types.ts';
import { DEFAULT_WORKSPACE, workspacePaths } from '../workspace.ts';
import { color } from './progress.ts';
import { parseProfile } from './run.ts';

// the cloud modules load only when one of these commands runs

type Flags = { profile?: string; workspace: string; json?: boolean; dryRun?: boolean; yes?: boolean; includeData?: boolean };

async function awsProfile(workspace: string, name: string | undefined) {
  const { loadProfile } = await import('../profiles/load.ts');
  const profile: Profile = await loadProfile(workspacePaths(workspace).profiles, parseProfile(name));
  if (profile.kind !== 'aws') throw new Error(`Profile ${profile.name} is of kind ${profile.kind}: it runs on this machine and has nothing to deploy, check or destroy (those are for profiles of kind aws).`);
  return profile;
}

/** A real account's changes need a yes: --yes, or an answer at a terminal. */
async function confirmed(question: string, f: Flags): Promise<boolean> {
  if (f.yes) return true;
  if (f.json || !process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
const notConfirmed = (what: string, f: Flags) =>
  f.json || !process.stdin.isTTY ? `Not ${what}: this is a real account; run again with --yes to apply the plan above.` : `Not ${what}: not confirmed.`;

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('Deploy what a profile of kind aws needs (Glue job code and definitions, the Snowflake secret, Snowflake objects): the plan first, then applied')
    .option('--profile <name>', 'profile from <workspace>/profiles.yaml (default: the active one)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--dry-run', 'show the plan only')
    .option('--yes', 'apply on a real account without asking')
    .option('--json', 'print the plan (and what was done) as JSON')
    .action(async (f: Flags) => {
      const workspace = resolve(f.workspace);
      const profile = await awsProfile(workspace, f.profile);
      const { deployTarget } = await import('../deploy/target.ts');
      const { planDeployment, deploymentChanges, deploymentLines, blockers } = await import('../deploy/plan.ts');
      const { deployLocked } = await import('../deploy/lock.ts');
      const { loadContracts } = await import('../contract-loader/load.ts');
      const t = await deployTarget(workspace, profile);
      try {
        const c = { contracts: loadContracts(), log: (m: string) => console.error(color.dim(m)) };
        const plan = await planDeployment(t, c);
        const changes = deploymentChanges(plan);
        if (!f.json) for (const line of deploymentLines(plan)) console.log(line);
        const blocked = blockers(plan);
        if (f.dryRun || !changes || blocked.length) {
          if (f.json) out({ plan, changes, applied: [] });
          if (blocked.length) {
            console.error(`${color.red('✖')} Deploy cannot go on: ${blocked.map((b) => `the ${b.kind} ${b.name} does not exist (${b.detail})`).join('; ')}`);
            process.exitCode = 1;
          }
          return;
        }
        if (!t.emulated && !(await confirmed(`Apply this plan to AWS account resources in ${plan.region} and Snowflake ${plan.snowflake.location}?`, f))) {
          if (f.json) out({ plan, changes, applied: [] });
          console.error(notConfirmed('deployed', f));
          process.exitCode = 1;
          return;
        }
        // under the deploy lock, planned again: another deploy may have done part of it meanwhile
        const { plan: appliedPlan, steps: applied } = await deployLocked(t, c, plan, { workspace, what: `claims deploy --profile ${profile.name}`, onStep: (s) => !f.json && console.log(`${color.green('✔')} ${s.what}: ${s.done}`) });
        if (f.json) out({ plan: appliedPlan, changes, applied });
        else console.log(`${color.green('✔')} Profile ${profile.name} deployed`);
      } finally {
        t.clients.destroy();
      }
    });

  program
    .command('check')
    .description('Check every prerequisite of a profile of kind aws, one line each, with the fix for each that fails')
    .option('--profile <name>', 'profile from <workspace>/profiles.yaml (default: the active one)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print the lines as JSON')
    .action(async (f: Flags) => {
      const workspace = resolve(f.workspace);
      const profile = await awsProfile(workspace, f.profile);
      const { deployTarget } = await import('../deploy/target.ts');
      const { checkDeployment, checkPassed } = await import('../deploy/check.ts');
      const { loadContracts } = await import('../contract-loader/load.ts');
      const t = await deployTarget(workspace, profile);
      try {
        const lines = await checkDeployment(t, loadContracts());
        if (f.json) out({ profile: profile.name, passed: checkPassed(lines), lines });
        else {
          const mark = { pass: color.green('✔'), fail: color.red('✖'), not_emulated: color.yellow('○'), skipped: color.dim('-') };
          for (const l of lines) {
            console.log(`${mark[l.status]} ${l.name.padEnd(42)} ${l.status === 'pass' ? color.dim(l.detail) : l.detail}${l.status === 'not_emulated' ? color.dim(' (not emulated)') : ''}`);
            if (l.status === 'fail' && l.fix) console.log(`  ${color.dim(`fix: ${l.fix}`)}`);
          }
        }
        process.exitCode = checkPassed(lines) ? 0 : 1;
      } finally {
        t.clients.destroy();
      }
    });

  program
    .command('destroy')
    .description('Remove what deploy made for a profile of kind aws (Glue jobs, deployed code, the secret, Snowflake objects): the plan first')
    .option('--profile <name>', 'profile from <workspace>/profiles.yaml (default: the active one)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--dry-run', 'show the plan only')
    .option('--include-data', "also delete the lake's data under the profile's prefix")
    .option('--yes', 'apply on a real account without asking')
    .option('--json', 'print the plan (and what was done) as JSON')
    .action(async (f: Flags) => {
      const workspace = resolve(f.workspace);
      const profile = await awsProfile(workspace, f.profile);
      const { deployTarget } = await import('../deploy/target.ts');
      const { planDestruction, applyDestruction, destructionChanges, destructionLines } = await import('../deploy/destroy.ts');
      const t = await deployTarget(workspace, profile);
      try {
        const plan = await planDestruction(t, { includeData: Boolean(f.includeData) });
        const changes = destructionChanges(plan);
        if (!f.json) for (const line of destructionLines(plan)) console.log(line);
        if (f.dryRun || !changes) {
          if (f.json) out({ plan, changes, applied: [] });
          return;
        }
        if (!t.emulated && !(await confirmed(`Delete these from AWS${plan.includeData ? ', the lake data included,' : ''} and Snowflake ${plan.snowflake.location}?`, f))) {
          if (f.json) out({ plan, changes, applied: [] });
          console.error(notConfirmed('destroyed', f));
          process.exitCode = 1;
          return;
        }
        const applied = await applyDestruction(t, plan, (what) => !f.json && console.log(`${color.green('✔')} ${what}`));
        if (f.json) out({ plan, changes, applied });
      } finally {
        t.clients.destroy();
      }
    });
}
