// Check and deploy of a profile of kind aws from the app, through pipeline/deploy exactly as
// `claims check` and `claims deploy` use it: check's lines and deploy's steps stream as events while
// they happen; a deploy plan is made first and kept here, unapplied, until the person confirms it
// (the app's confirmation is the --yes a real account needs on the command line).

import { randomBytes } from 'node:crypto';
import { loadContracts } from '../../contract-loader/load.ts';
import { checkDeployment, checkPassed } from '../../deploy/check.ts';
import { deployLocked } from '../../deploy/lock.ts';
import { blockers, deploymentChanges, deploymentLines, planDeployment, type DeploymentPlan } from '../../deploy/plan.ts';
import { deployTarget, type DeployTarget } from '../../deploy/target.ts';
import { loadProfile, ProfileError } from '../../profiles/load.ts';
import type { AwsProfile } from '../../profiles/types.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import { ApiError, errorBody } from '../errors.ts';
import type { DeployPlanView, DeployStep } from '../protocol.ts';
import type { EventHub } from './event-hub.ts';

/** how long a plan waits for its confirmation before it is let go (a new plan is one click) */
const PLAN_TTL_MS = 15 * 60_000;

const newId = () => randomBytes(8).toString('hex');

/** A failure below as the app shows it: its message and, where the layer gave one, what to do. */
function cloudError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const hint = typeof err === 'object' && err !== null && 'hint' in err && typeof err.hint === 'string' ? err.hint : undefined;
  return new ApiError('unavailable', err instanceof Error ? err.message : String(err), { ...(hint ? { hint } : {}), cause: err });
}

/** The plan without what apply holds beside it (the secret's value is not enumerable, and not picked here either). */
function planView(planId: string, plan: DeploymentPlan): DeployPlanView {
  return {
    planId,
    profile: plan.profile,
    emulated: plan.emulated,
    region: plan.region,
    bucket: plan.bucket,
    changes: deploymentChanges(plan),
    blockers: blockers(plan).map((b) => ({ kind: b.kind, name: b.name, detail: b.detail })),
    account: plan.account.map((a) => ({ kind: a.kind, name: a.name, state: a.state, detail: a.detail })),
    code: plan.code.map((c) => ({ job: c.job, version: c.version, prefix: c.prefix, files: c.files.map((f) => ({ name: f.name, uri: f.uri, bytes: f.bytes, state: f.state })) })),
    jobs: plan.jobs.map((j) => ({
      job: j.job,
      name: j.name,
      state: j.state,
      version: j.version,
      deployedVersion: j.deployedVersion,
      changes: j.changes.map((c) => ({ field: c.field, have: c.have, want: c.want })),
      settings: j.settings.map((s) => ({ field: s.field, value: s.value, source: s.source })),
    })),
    secret: { id: plan.secret.id, state: plan.secret.state },
    snowflake: {
      location: plan.snowflake.location,
      emulated: plan.snowflake.emulated,
      items: plan.snowflake.items.map((i) => ({ kind: i.kind, name: i.name, state: i.state, ...(i.detail ? { detail: i.detail } : {}), statements: [...i.statements] })),
    },
    lines: deploymentLines(plan),
  };
}

interface HeldPlan {
  target: DeployTarget;
  plan: DeploymentPlan;
  timer: NodeJS.Timeout;
}

export class CloudJobs {
  private readonly plans = new Map<string, HeldPlan>();
  private deploying: string | null = null;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly hub: EventHub,
    private readonly activeProfile: () => Promise<string>,
    /** after a deploy: the app's readers look again (the warehouse's objects exist now) */
    private readonly onDeployed: () => Promise<void>,
  ) {}

  private async awsProfile(name: string | undefined): Promise<AwsProfile> {
    const wanted = name ?? (await this.activeProfile());
    const profile = await loadProfile(this.paths.profiles, wanted).catch((err: unknown) => {
      throw err instanceof ProfileError ? new ApiError('not_found', err.problems.map((p) => p.message).join('; '), { cause: err }) : err;
    });
    if (profile.kind !== 'aws') {
      throw new ApiError('invalid_request', `Profile ${profile.name} is of kind ${profile.kind}: it runs on this machine and has nothing to check or deploy.`, {
        hint: 'Check and deploy are for profiles of kind aws: switch to one (cloud-emulator needs no account).',
      });
    }
    return profile;
  }

  /** Starts claims check; its lines arrive as check.line events, then check.finished. */
  async check(name: string | undefined): Promise<{ jobId: string; profile: string }> {
    const profile = await this.awsProfile(name);
    const jobId = newId();
    void (async () => {
      let target: DeployTarget | null = null;
      try {
        // the emulator profile's emulator starts here when it is not running
        target = await deployTarget(this.paths.root, profile);
        const lines = await checkDeployment(target, loadContracts(), (line) => this.hub.emit({ kind: 'check.line', jobId, profile: profile.name, line: { ...line } }));
        this.hub.emit({ kind: 'check.finished', jobId, profile: profile.name, passed: checkPassed(lines) });
      } catch (err) {
        this.hub.emit({ kind: 'check.finished', jobId, profile: profile.name, passed: false, error: errorBody(cloudError(err)) });
      } finally {
        target?.clients.destroy();
      }
    })();
    return { jobId, profile: profile.name };
  }

  /** claims deploy's plan; nothing changes until deploy.apply with its id. */
  async plan(name: string | undefined): Promise<DeployPlanView> {
    if (this.deploying) throw new ApiError('conflict', 'A deploy is going; its result shows when it ends.', { hint: 'Wait for it, then plan again.' });
    const profile = await this.awsProfile(name);
    let target: DeployTarget | null = null;
    try {
      target = await deployTarget(this.paths.root, profile);
      const plan = await planDeployment(target, { contracts: loadContracts() });
      const planId = newId();
      const held: HeldPlan = { target, plan, timer: setTimeout(() => this.drop(planId), PLAN_TTL_MS) };
      held.timer.unref();
      this.plans.set(planId, held);
      return planView(planId, plan);
    } catch (err) {
      target?.clients.destroy();
      throw cloudError(err);
    }
  }

  /** Applies a plan (planned again under the deploy lock, as claims deploy does); steps arrive as deploy.step events, then deploy.finished. */
  apply(planId: string): { jobId: string; profile: string } {
    const held = this.plans.get(planId);
    if (!held) throw new ApiError('not_found', 'That deploy plan is no longer held (applied, or left unconfirmed for 15 minutes).', { hint: 'Make a new plan: Deploy shows it again.' });
    if (this.deploying) throw new ApiError('conflict', 'A deploy is already going.', { hint: 'Wait for it to finish.' });
    const blocked = blockers(held.plan);
    if (blocked.length) {
      throw new ApiError('conflict', `Deploy cannot go on: ${blocked.map((b) => `the ${b.kind} ${b.name} does not exist`).join('; ')}.`, { hint: blocked.map((b) => b.detail).join('; ') });
    }
    clearTimeout(held.timer);
    this.plans.delete(planId);
    const jobId = newId();
    const profile = held.plan.profile;
    this.deploying = jobId;
    const steps: DeployStep[] = [];
    void (async () => {
      let outcome: { status: 'succeeded' } | { status: 'failed'; error: ReturnType<typeof errorBody> };
      try {
        await deployLocked(held.target, { contracts: loadContracts() }, held.plan, {
          workspace: this.paths.root,
          what: `the workbench's deploy of profile ${profile}`,
          onStep: (s) => {
            const step = { what: s.what, done: s.done };
            steps.push(step);
            this.hub.emit({ kind: 'deploy.step', jobId, profile, step });
          },
        });
        outcome = { status: 'succeeded' };
      } catch (err) {
        outcome = { status: 'failed', error: errorBody(cloudError(err)) };
      } finally {
        held.target.clients.destroy();
        this.deploying = null;
      }
      // the app's readers look again before anyone is told: the warehouse's objects exist now
      await this.onDeployed().catch(() => undefined);
      this.hub.emit({ kind: 'deploy.finished', jobId, profile, steps, ...outcome });
      this.hub.emit({ kind: 'workspace.changed', what: 'warehouse' });
    })();
    return { jobId, profile };
  }

  private drop(planId: string): void {
    const held = this.plans.get(planId);
    if (!held) return;
    clearTimeout(held.timer);
    held.target.clients.destroy();
    this.plans.delete(planId);
  }

  close(): void {
    for (const id of [...this.plans.keys()]) this.drop(id);
  }
}
