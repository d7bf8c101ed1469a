// One deploy of a profile at a time, across machines and workspaces: two runs auto-deploying the
// same profile, or two people running claims deploy, would otherwise race on creates (Snowflake's
// emulator cannot even run two CREATE SCHEMA at once). The lock is the lake lock's mechanism (an
// S3 conditional write) on its own key, so it never blocks runs; a deploy waits for another one to
// finish, then plans again and finds what that one did.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Lake } from '../lake/s3.ts';
import { takeLakeLock, type LakeLock } from '../run/lake-lock.ts';
import { applyAccount, applyDeployment, planDeployment, type AppliedStep, type DeploymentPlan, type PlanContext } from './plan.ts';
import type { DeployTarget } from './target.ts';

export const DEPLOY_LOCK_KEY = '_locks/deploy.json';
/** a deploy takes seconds to a few minutes (the wheel, uploads, Snowflake DDL) */
const WAIT_MS = 10 * 60_000;

export async function takeDeployLock(t: DeployTarget, what: string, workspace: string): Promise<LakeLock> {
  const p = t.profile;
  const store = new S3Lake({
    s3: t.clients.s3,
    bucket: p.aws.bucket,
    prefix: p.aws.prefix.replace(/\/$/, ''),
    encryption: p.aws.encryption.mode === 'sse-kms' ? { kind: 'sse-kms', kmsKeyId: p.aws.encryption.kms_key_id } : { kind: 'sse-s3' },
    // the lock reads and writes small objects only: nothing is downloaded into this cache
    cache: { dir: join(tmpdir(), 'claims-deploy-lock'), maxBytes: 1024 ** 2 },
    ...(t.clients.endpoint('s3') ? { endpoint: t.clients.endpoint('s3')! } : {}),
  });
  return takeLakeLock({
    store,
    key: DEPLOY_LOCK_KEY,
    workspace,
    runId: 'deploy',
    what,
    waitMs: WAIT_MS,
    pollMs: 1_000,
    clearCommand: `claims unlock is for runs; remove ${store.uri(DEPLOY_LOCK_KEY)} once no deploy of profile ${p.name} is going`,
  });
}

/**
 * Applies a deployment under the deploy lock: the bucket first when the plan makes it (the lock
 * lives there), then, holding the lock, a fresh plan (another deploy may have done part of the
 * shown one meanwhile) and its application.
 */
export async function deployLocked(t: DeployTarget, c: PlanContext, shown: DeploymentPlan, o: { workspace: string; what: string; onStep?: (s: AppliedStep) => void }): Promise<{ plan: DeploymentPlan; steps: AppliedStep[] }> {
  const steps = shown.account.some((a) => a.kind === 'bucket' && a.state === 'create') ? await applyAccount(t, { ...shown, account: shown.account.filter((a) => a.kind === 'bucket') }, o.onStep) : [];
  const lock = await takeDeployLock(t, o.what, o.workspace);
  try {
    const plan = await planDeployment(t, c);
    steps.push(...(await applyDeployment(t, plan, o.onStep)));
    return { plan, steps };
  } finally {
    await lock.release();
  }
}
