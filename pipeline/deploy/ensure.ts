// Before a run on a profile of kind aws: is the deployment there and at the checkout's version? If
// not, the run fails at once saying how to deploy, or, when the profile says auto_deploy (the
// built-in cloud-emulator profile does), deploys first. The check is deploy's own plan, read-only.

import { loadContracts } from '../contract-loader/load.ts';
import type { AwsProfile } from '../profiles/types.ts';
import type { WorkspacePaths } from '../workspace.ts';
import { deployLocked } from './lock.ts';
import { deploymentChanges, planDeployment, type DeploymentPlan } from './plan.ts';
import { deployTarget, type DeployTarget } from './target.ts';

export class DeploymentOutOfDateError extends Error {
  readonly hint: string;
  readonly retryable = false;
  constructor(
    readonly profile: string,
    readonly missing: string[],
  ) {
    super(`The deployment of profile ${profile} is missing or out of date (${missing.join('; ')}): deploy first: claims deploy --profile ${profile}`);
    this.name = 'DeploymentOutOfDateError';
    this.hint = `Run \`claims deploy --profile ${profile}\` (it shows its plan first), or set auto_deploy: true in the profile to deploy before each run that needs it.`;
  }
}

/** What a plan would change, in a few words each. */
export function outOfDate(plan: DeploymentPlan): string[] {
  const out: string[] = [];
  for (const a of plan.account) if (a.state !== 'exists') out.push(`${a.kind} ${a.name} ${a.state === 'missing' ? 'missing' : 'to create'}`);
  for (const j of plan.jobs) if (j.state !== 'unchanged') out.push(j.state === 'create' ? `Glue job ${j.name} not deployed` : `Glue job ${j.name} not at version ${j.version}`);
  if (plan.secret.state !== 'unchanged') out.push(`secret ${plan.secret.id} ${plan.secret.state === 'create' ? 'missing' : 'out of date'}`);
  const sf = plan.snowflake.items.filter((i) => i.state === 'create' || i.state === 'change');
  if (sf.length) out.push(`${sf.length} Snowflake object(s) missing or out of date`);
  if (!out.length && deploymentChanges(plan)) out.push('code not uploaded');
  return out;
}

export interface EnsureOptions {
  log?: (message: string) => void;
  /** a target built already (tests: the test run's emulator); default: the workspace's */
  target?: DeployTarget;
}

/** Resolves when the profile's deployment is current (deploying it first under auto_deploy); throws DeploymentOutOfDateError otherwise. */
export async function ensureDeployed(profile: AwsProfile, paths: WorkspacePaths, o: EnsureOptions = {}): Promise<{ deployed: boolean }> {
  const t = o.target ?? (await deployTarget(paths.root, profile));
  try {
    const c = { contracts: loadContracts(), log: o.log };
    const plan = await planDeployment(t, c);
    if (!deploymentChanges(plan)) return { deployed: false };
    const missing = outOfDate(plan);
    if (!profile.auto_deploy) throw new DeploymentOutOfDateError(profile.name, missing);
    o.log?.(`Deploying profile ${profile.name} first (auto_deploy): ${missing.join('; ')}`);
    await deployLocked(t, c, plan, { workspace: paths.root, what: `auto-deploy before a run of profile ${profile.name}`, onStep: (s) => o.log?.(`deploy: ${s.what} ${s.done}`) });
    return { deployed: true };
  } finally {
    if (!o.target) t.clients.destroy();
  }
}
