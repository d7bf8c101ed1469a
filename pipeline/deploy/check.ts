// claims check: every prerequisite of a run on a profile of kind aws, one line each, pass or fail
// with the fix. AWS first (credentials, bucket, Glue role, the jobs at the current code version, job
// 2's secret), then Snowflake's lines (snowflake/deploy/check.ts). Nothing here changes anything but
// a probe object, which is put and deleted again.

import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetRoleCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { ContractSet } from '../contract-loader/types.ts';
import { AwsError, awsCall, awsErrorCode } from '../aws/errors.ts';
import { checkSnowflake, type CheckLine } from '../snowflake/deploy/check.ts';
import { jobChanges, VERSION_ARGUMENT } from './job-definitions.ts';
import { deployedJob, desiredJobs } from './plan.ts';
import { planSecret, secretValue } from './secret.ts';
import { codeKeyPrefix, roleName, type DeployTarget } from './target.ts';

export type { CheckLine };

const failed = (name: string, err: unknown, fix?: string): CheckLine => ({
  name,
  status: 'fail',
  detail: (err as Error).message,
  ...(fix ? { fix } : typeof err === 'object' && err !== null && 'hint' in err ? { fix: String(err.hint) } : {}),
});
const skipped = (name: string, why: string): CheckLine => ({ name, status: 'skipped', detail: why });

const DEPLOY = (t: DeployTarget) => `Run \`claims deploy --profile ${t.profile.name}\`.`;

/** The caller's identity; its IAM ARN (a role session's role, for the policy simulator), or null. */
async function credentials(t: DeployTarget, lines: CheckLine[]): Promise<{ ok: boolean; principal: string | null }> {
  try {
    const me = await awsCall({ action: 'sts:GetCallerIdentity', resource: 'the AWS account', endpoint: t.clients.endpoint('sts') }, () => t.clients.sts.send(new GetCallerIdentityCommand({})));
    lines.push({ name: 'AWS credentials', status: 'pass', detail: `${me.Arn ?? '?'} (account ${me.Account ?? '?'})` });
    const arn = me.Arn ?? '';
    const assumed = /^arn:([\w-]+):sts::(\d+):assumed-role\/([^/]+)\//.exec(arn);
    return { ok: true, principal: assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn || null };
  } catch (err) {
    lines.push(failed('AWS credentials', err));
    return { ok: false, principal: null };
  }
}

async function bucketWritable(t: DeployTarget): Promise<CheckLine> {
  const p = t.profile;
  const key = `${codeKeyPrefix(p)}.check-${randomBytes(6).toString('hex')}`;
  const ctx = (action: string) => ({ action, resource: `s3://${p.aws.bucket}/${key}`, bucket: p.aws.bucket, endpoint: t.clients.endpoint('s3') });
  try {
    const encryption = p.aws.encryption.mode === 'sse-kms' ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: p.aws.encryption.kms_key_id } : { ServerSideEncryption: 'AES256' as const };
    await awsCall(ctx('s3:PutObject'), () => t.clients.s3.send(new PutObjectCommand({ Bucket: p.aws.bucket, Key: key, Body: 'claims check probe', ...encryption })));
    await awsCall(ctx('s3:DeleteObject'), () => t.clients.s3.send(new DeleteObjectCommand({ Bucket: p.aws.bucket, Key: key })));
    return { name: 'S3 bucket reachable and writable', status: 'pass', detail: `a probe object put and deleted in s3://${p.aws.bucket}/${codeKeyPrefix(p)}` };
  } catch (err) {
    return failed('S3 bucket reachable and writable', err);
  }
}

async function glueRole(t: DeployTarget, principal: string | null): Promise<CheckLine[]> {
  const arn = t.profile.glue.role_arn;
  let trust: string;
  try {
    const r = await awsCall({ action: 'iam:GetRole', resource: `IAM role ${arn}`, endpoint: t.clients.endpoint('iam') }, () => t.clients.iam.send(new GetRoleCommand({ RoleName: roleName(arn) })));
    trust = decodeURIComponent(r.Role?.AssumeRolePolicyDocument ?? '');
  } catch (err) {
    const missing = awsErrorCode(err) === 'NoSuchEntity' || awsErrorCode(err) === 'NoSuchEntityException';
    return [
      missing
        ? { name: 'Glue role exists', status: 'fail', detail: `IAM role ${arn} does not exist`, fix: t.emulated ? DEPLOY(t) : 'Create it with the trust and permission policies of docs/cloud.md ("The Glue role"), or correct glue.role_arn in the profile.' }
        : failed('Glue role exists', err),
      skipped('Glue role can be passed', 'needs the role'),
    ];
  }
  const lines: CheckLine[] = [{ name: 'Glue role exists', status: 'pass', detail: arn }];
  if (!trust.includes('glue.amazonaws.com')) {
    lines.push({ name: 'Glue role can be passed', status: 'fail', detail: `the role's trust policy does not let Glue assume it (glue.amazonaws.com is not a principal)`, fix: 'Set the trust policy of docs/cloud.md ("The Glue role") on it.' });
    return lines;
  }
  if (t.emulated) {
    lines.push({ name: 'Glue role can be passed', status: 'not_emulated', detail: "Glue may assume it (its trust policy names glue.amazonaws.com); the emulator has no IAM policy simulator for the caller's iam:PassRole (a real account's line asks it)" });
    return lines;
  }
  if (!principal) {
    lines.push(skipped('Glue role can be passed', 'the caller is not an IAM user or role the policy simulator knows'));
    return lines;
  }
  try {
    const r = await awsCall({ action: 'iam:SimulatePrincipalPolicy', resource: principal, endpoint: t.clients.endpoint('iam') }, () =>
      t.clients.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: ['iam:PassRole'], ResourceArns: [arn], ContextEntries: [{ ContextKeyName: 'iam:PassedToService', ContextKeyType: 'string', ContextKeyValues: ['glue.amazonaws.com'] }] })),
    );
    const decision = r.EvaluationResults?.[0]?.EvalDecision ?? 'unknown';
    lines.push(
      decision === 'allowed'
        ? { name: 'Glue role can be passed', status: 'pass', detail: `Glue may assume it, and ${principal} may pass it to Glue` }
        : { name: 'Glue role can be passed', status: 'fail', detail: `${principal} may not pass ${arn} to Glue (iam:PassRole: ${decision})`, fix: `Allow iam:PassRole on ${arn} with iam:PassedToService glue.amazonaws.com (docs/cloud.md, "Who runs deploy").` },
    );
  } catch (err) {
    lines.push(err instanceof AwsError && err.name === 'AwsAccessDeniedError' ? skipped('Glue role can be passed', `cannot ask IAM's policy simulator: ${err.message}`) : failed('Glue role can be passed', err));
  }
  return lines;
}

async function jobsAtVersion(t: DeployTarget): Promise<CheckLine> {
  const name = 'Glue jobs deployed at the current version';
  try {
    const desired = await desiredJobs(t, await t.artifacts.load());
    const problems: string[] = [];
    const ok: string[] = [];
    for (const want of desired.values()) {
      const have = await deployedJob(t, want.name);
      if (!have) {
        problems.push(`${want.name} does not exist`);
        continue;
      }
      const deployed = have.DefaultArguments?.[VERSION_ARGUMENT];
      const changes = jobChanges(have, want.definition);
      if (deployed !== want.version) problems.push(`${want.name} runs code ${deployed ?? '(not deployed by claims deploy)'}, the checkout's is ${want.version}`);
      else if (changes.length) problems.push(`${want.name} differs in ${changes.map((c) => c.field).join(', ')}`);
      else ok.push(`${want.name} ${want.version}`);
    }
    return problems.length ? { name, status: 'fail', detail: problems.join('; '), fix: DEPLOY(t) } : { name, status: 'pass', detail: ok.join(', ') };
  } catch (err) {
    return failed(name, err);
  }
}

async function secretCurrent(t: DeployTarget): Promise<CheckLine> {
  const name = "Glue job 2's Snowflake secret";
  try {
    const plan = await planSecret(t.clients.secrets, t.secretId, await secretValue(t.jobSnowflake, t.env));
    if (plan.state === 'unchanged') return { name, status: 'pass', detail: `${t.secretId} holds the profile's Snowflake connection` };
    return { name, status: 'fail', detail: plan.state === 'create' ? `${t.secretId} does not exist` : `${t.secretId} differs from the profile's Snowflake connection`, fix: DEPLOY(t) };
  } catch (err) {
    return failed(name, err);
  }
}

/** Every line, in order; onLine hears each as soon as it is known (the app streams them). */
export async function checkDeployment(t: DeployTarget, contracts: ContractSet, onLine?: (line: CheckLine) => void): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const add = (...more: CheckLine[]) => {
    lines.push(...more);
    for (const l of more) onLine?.(l);
  };
  const found: CheckLine[] = [];
  const who = await credentials(t, found);
  add(...found);
  if (who.ok) {
    add(await bucketWritable(t));
    add(...(await glueRole(t, who.principal)));
    add(await jobsAtVersion(t));
    add(await secretCurrent(t));
  } else {
    add(...['S3 bucket reachable and writable', 'Glue role exists', 'Glue role can be passed', 'Glue jobs deployed at the current version', "Glue job 2's Snowflake secret"].map((n) => skipped(n, 'needs AWS credentials')));
  }
  add(...(await checkSnowflake(t.snowflake, contracts, { env: t.env })));
  return lines;
}

export const checkPassed = (lines: CheckLine[]): boolean => lines.every((l) => l.status !== 'fail');
