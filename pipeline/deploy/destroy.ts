// claims destroy: the plan first (what deploy made and is still there), then its application:
// the Glue jobs, the deployed code, job 2's secret and the Snowflake objects. The lake's data only
// when asked (includeData). What an administrator makes (the bucket, the Glue role; on the emulator
// deploy made them) is kept: other work may use them.

import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteJobCommand } from '@aws-sdk/client-glue';
import { awsCall, awsErrorStatus, S3BucketMissingError } from '../aws/errors.ts';
import { SnowflakeSession } from '../snowflake/connection.ts';
import { applyPlan, planChanges, planDestroy, planLines, type SnowflakePlan } from '../snowflake/deploy/plan.ts';
import { GLUE_JOB_KINDS } from './artifacts.ts';
import { deployedJob } from './plan.ts';
import { deleteSecret, secretExists } from './secret.ts';
import { codeKeyPrefix, type DeployTarget } from './target.ts';

export interface DestroyItem {
  kind: 'glue_job' | 'objects' | 'secret' | 'bucket' | 'role';
  name: string;
  state: 'delete' | 'absent' | 'kept';
  detail?: string;
  /** objects under a prefix */
  count?: number;
  /** which objects: the deployed code, or the lake's data */
  scope?: 'code' | 'data';
}

export interface DestroyPlan {
  action: 'destroy';
  profile: string;
  emulated: boolean;
  includeData: boolean;
  items: DestroyItem[];
  snowflake: SnowflakePlan;
}

export interface DestroyOptions {
  includeData?: boolean;
}

async function keysUnder(t: DeployTarget, prefix: string, except: string[] = []): Promise<string[]> {
  const { s3 } = t.clients;
  const bucket = t.profile.aws.bucket;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await awsCall({ action: 's3:ListBucket', resource: `s3://${bucket}/${prefix}`, bucket, endpoint: t.clients.endpoint('s3') }, () =>
        s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
      );
    } catch (err) {
      if (err instanceof S3BucketMissingError || awsErrorStatus(err) === 404) return [];
      throw err;
    }
    for (const o of page.Contents ?? []) if (o.Key && !except.some((e) => o.Key!.startsWith(e))) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** not the lake's data: the deployed code (its own item) and the locks (a run or deploy may hold one) */
const notData = (prefix: string, code: string) => [code, `${prefix}_locks/`];

export async function planDestruction(t: DeployTarget, o: DestroyOptions = {}): Promise<DestroyPlan> {
  const p = t.profile;
  const items: DestroyItem[] = [];
  for (const job of GLUE_JOB_KINDS) {
    const name = p.glue.jobs[job];
    items.push({ kind: 'glue_job', name, state: (await deployedJob(t, name)) ? 'delete' : 'absent' });
  }
  const code = codeKeyPrefix(p);
  const codeKeys = await keysUnder(t, code);
  items.push({ kind: 'objects', name: `s3://${p.aws.bucket}/${code}`, state: codeKeys.length ? 'delete' : 'absent', count: codeKeys.length, scope: 'code', detail: 'the deployed code, every version' });
  items.push({ kind: 'secret', name: t.secretId, state: (await secretExists(t.clients.secrets, t.secretId)) ? 'delete' : 'absent', detail: "Glue job 2's Snowflake connection" });
  const lake = `s3://${p.aws.bucket}/${p.aws.prefix}`;
  if (o.includeData) {
    const dataKeys = await keysUnder(t, p.aws.prefix, notData(p.aws.prefix, code));
    items.push({ kind: 'objects', name: lake, state: dataKeys.length ? 'delete' : 'absent', count: dataKeys.length, scope: 'data', detail: "the lake's data: raw, curated, quarantine, manifests" });
  } else {
    items.push({ kind: 'objects', name: lake, state: 'kept', scope: 'data', detail: "the lake's data; removed only with --include-data" });
  }
  items.push({ kind: 'bucket', name: p.aws.bucket, state: 'kept', detail: 'made by an administrator (by deploy on the emulator); remove it yourself if nothing else uses it' });
  items.push({ kind: 'role', name: p.glue.role_arn, state: 'kept', detail: 'made by an administrator (by deploy on the emulator)' });

  const s = await SnowflakeSession.open(t.snowflake, { database: null, env: t.env });
  let snowflake: SnowflakePlan;
  try {
    snowflake = await planDestroy(s, t.snowflake);
  } finally {
    await s.close();
  }
  return { action: 'destroy', profile: p.name, emulated: t.emulated, includeData: Boolean(o.includeData), items, snowflake };
}

export const destructionChanges = (plan: DestroyPlan): boolean => plan.items.some((i) => i.state === 'delete') || planChanges(plan.snowflake);

async function deleteKeys(t: DeployTarget, keys: string[]): Promise<void> {
  const bucket = t.profile.aws.bucket;
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const r = await awsCall({ action: 's3:DeleteObject', resource: `s3://${bucket}/${batch[0]} and ${batch.length - 1} more`, bucket, endpoint: t.clients.endpoint('s3') }, () =>
      t.clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
    );
    if (r.Errors?.length) throw new Error(`Could not delete ${r.Errors.length} object(s) of s3://${bucket}, e.g. ${r.Errors[0]!.Key}: ${r.Errors[0]!.Code} ${r.Errors[0]!.Message ?? ''}`.trim());
  }
}

export async function applyDestruction(t: DeployTarget, plan: DestroyPlan, onStep?: (what: string) => void): Promise<string[]> {
  const p = t.profile;
  const done: string[] = [];
  const step = (what: string) => {
    done.push(what);
    onStep?.(what);
  };
  // the jobs first: nothing can start a run on code that is going away
  for (const i of plan.items.filter((x) => x.kind === 'glue_job' && x.state === 'delete')) {
    await awsCall({ action: 'glue:DeleteJob', resource: `Glue job ${i.name}`, endpoint: t.clients.endpoint('glue') }, () => t.clients.glue.send(new DeleteJobCommand({ JobName: i.name })));
    step(`Glue job ${i.name} deleted`);
  }
  const code = codeKeyPrefix(p);
  for (const i of plan.items.filter((x) => x.kind === 'objects' && x.state === 'delete')) {
    // listed again: what is there now, not what was there when the plan was shown
    const keys = i.scope === 'code' ? await keysUnder(t, code) : await keysUnder(t, p.aws.prefix, notData(p.aws.prefix, code));
    await deleteKeys(t, keys);
    step(`${keys.length} object(s) deleted under ${i.name}`);
  }
  if (plan.items.some((x) => x.kind === 'secret' && x.state === 'delete')) {
    await deleteSecret(t.clients.secrets, t.secretId);
    step(`secret ${t.secretId} deleted`);
  }
  if (planChanges(plan.snowflake)) {
    const s = await SnowflakeSession.open(t.snowflake, { database: null, env: t.env });
    try {
      await applyPlan(s, plan.snowflake);
    } finally {
      await s.close();
    }
    step(`Snowflake objects of ${plan.snowflake.location} dropped`);
  }
  return done;
}

export function destructionLines(plan: DestroyPlan): string[] {
  const lines = [`Destroy plan for profile ${plan.profile}${plan.emulated ? ' (cloud emulator)' : ''}:`];
  for (const i of plan.items) lines.push(`  ${i.state.padEnd(10)} ${i.kind.replace('_', ' ')} ${i.name}${i.count !== undefined && i.state === 'delete' ? ` (${i.count} objects)` : ''}${i.detail ? ` (${i.detail})` : ''}`);
  lines.push(...planLines(plan.snowflake).map((l) => `  ${l}`));
  if (!destructionChanges(plan)) lines.push('Nothing to remove.');
  return lines;
}
