// claims deploy: one plan, read from the account without changing anything (what exists, what
// would be uploaded, created or updated, and why), then its application. A second deploy finds
// everything in place and changes nothing. Order of application: the account's prerequisites (on
// the emulator only), the code, the secret, the Snowflake objects, and the jobs last, so a job
// never points at code or a secret that is not there yet.

import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateJobCommand, GetJobCommand, UpdateJobCommand, type Job } from '@aws-sdk/client-glue';
import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { ContractSet } from '../contract-loader/types.ts';
import { awsCall, awsErrorCode, awsErrorStatus, S3BucketMissingError, AwsError } from '../aws/errors.ts';
import { SnowflakeSession } from '../snowflake/connection.ts';
import * as ddl from '../snowflake/deploy/ddl.ts';
import { applyPlan, planChanges, planDeploy, planLines, type SnowflakePlan } from '../snowflake/deploy/plan.ts';
import { codeVersion, GLUE_JOB_KINDS, jobFiles, type Artifact, type GlueJobKind, type JobArtifacts } from './artifacts.ts';
import { glueRolePolicy, glueTrustPolicyJson } from './iam-policies.ts';
import { desiredJob, jobChanges, readJobFile, VERSION_ARGUMENT, type DesiredJob, type FieldChange, type JobSetting } from './job-definitions.ts';
import { applySecret, planSecret, secretValue, type SecretPlan } from './secret.ts';
import { codeKeyPrefix, roleName, rolePath, type DeployTarget } from './target.ts';

export interface AccountItem {
  kind: 'bucket' | 'role';
  name: string;
  /** create: the emulator's account lacks it and deploy makes it; missing: a real account lacks it (deploy stops) */
  state: 'exists' | 'create' | 'missing';
  detail: string;
}

export interface ArtifactItem {
  name: string;
  uri: string;
  sha256: string;
  bytes: number;
  state: 'upload' | 'exists';
}

export interface CodeItem {
  job: GlueJobKind;
  version: string;
  /** s3://bucket/<prefix>/_deploy/<version>/ */
  prefix: string;
  files: ArtifactItem[];
}

export interface JobItem {
  job: GlueJobKind;
  name: string;
  state: 'create' | 'update' | 'unchanged';
  version: string;
  /** the version the deployed job records (none: not deployed, or not by claims deploy) */
  deployedVersion: string | null;
  changes: FieldChange[];
  /** every setting with its value and where it came from (job.json, the profile, deploy) */
  settings: JobSetting[];
}

export interface DeploymentPlan {
  action: 'deploy';
  profile: string;
  emulated: boolean;
  region: string;
  bucket: string;
  account: AccountItem[];
  code: CodeItem[];
  jobs: JobItem[];
  secret: SecretPlan;
  snowflake: SnowflakePlan;
}

export interface PlanContext {
  /** the contracts the Snowflake RAW tables are made from */
  contracts: ContractSet;
  log?: (message: string) => void;
}

/** Held beside a plan for its application, never shown: the artifacts' bytes and the jobs' definitions. */
interface Held {
  artifacts: Map<string, Artifact>;
  desired: Map<GlueJobKind, DesiredJob>;
}
const held = new WeakMap<DeploymentPlan, Held>();

export class DeployBlockedError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'DeployBlockedError';
  }
}

async function accountItems(t: DeployTarget): Promise<AccountItem[]> {
  const { profile: p, clients } = t;
  const items: AccountItem[] = [];
  const bucket = p.aws.bucket;
  try {
    await awsCall({ action: 's3:ListBucket', resource: `s3://${bucket}`, bucket, endpoint: clients.endpoint('s3') }, () => clients.s3.send(new HeadBucketCommand({ Bucket: bucket })));
    items.push({ kind: 'bucket', name: bucket, state: 'exists', detail: `the lake, s3://${bucket}/${p.aws.prefix}` });
  } catch (err) {
    // HeadBucket answers a bare 404 (no NoSuchBucket code) for a missing bucket
    if (!(err instanceof S3BucketMissingError) && awsErrorStatus(err) !== 404) throw err;
    items.push(
      t.emulated
        ? { kind: 'bucket', name: bucket, state: 'create', detail: "the emulator's account has no administrator: deploy makes the bucket one makes on a real account" }
        : { kind: 'bucket', name: bucket, state: 'missing', detail: `create the bucket ${bucket} in ${p.aws.region} (docs/cloud.md, "Deploy"), or correct aws.bucket in the profile` },
    );
  }
  const role = roleName(p.glue.role_arn);
  try {
    await awsCall({ action: 'iam:GetRole', resource: `IAM role ${p.glue.role_arn}` }, () => clients.iam.send(new GetRoleCommand({ RoleName: role })));
    items.push({ kind: 'role', name: p.glue.role_arn, state: 'exists', detail: 'the Glue jobs run as this role' });
  } catch (err) {
    if (awsErrorCode(err) !== 'NoSuchEntity' && awsErrorCode(err) !== 'NoSuchEntityException') throw err;
    items.push(
      t.emulated
        ? { kind: 'role', name: p.glue.role_arn, state: 'create', detail: "the emulator's account has no administrator: deploy makes the Glue role with the policy docs/cloud.md gives" }
        : { kind: 'role', name: p.glue.role_arn, state: 'missing', detail: 'create the Glue role with the trust and permission policies of docs/cloud.md ("The Glue role"), or correct glue.role_arn in the profile' },
    );
  }
  return items;
}

async function objectSha(t: DeployTarget, key: string): Promise<string | null> {
  const { clients, profile: p } = t;
  try {
    const head = await awsCall({ action: 's3:GetObject', resource: `s3://${p.aws.bucket}/${key}`, bucket: p.aws.bucket, endpoint: clients.endpoint('s3') }, () =>
      clients.s3.send(new HeadObjectCommand({ Bucket: p.aws.bucket, Key: key })),
    );
    return head.Metadata?.sha256 ?? null;
  } catch (err) {
    if (awsErrorStatus(err) === 404 || awsErrorCode(err) === 'NotFound' || awsErrorCode(err) === 'NoSuchKey' || err instanceof S3BucketMissingError) return null;
    throw err;
  }
}

async function codeItems(t: DeployTarget, artifacts: JobArtifacts, bucketThere: boolean): Promise<CodeItem[]> {
  const items: CodeItem[] = [];
  for (const job of GLUE_JOB_KINDS) {
    const files = jobFiles(artifacts, job);
    const version = codeVersion(files);
    const keyPrefix = `${codeKeyPrefix(t.profile)}${version}/`;
    const out: ArtifactItem[] = [];
    for (const f of files) {
      const key = `${keyPrefix}${f.name}`;
      // an object of this version whose recorded hash is its content's is already there
      const there = bucketThere && (await objectSha(t, key)) === f.sha256;
      out.push({ name: f.name, uri: `s3://${t.profile.aws.bucket}/${key}`, sha256: f.sha256, bytes: f.bytes.length, state: there ? 'exists' : 'upload' });
    }
    items.push({ job, version, prefix: `s3://${t.profile.aws.bucket}/${keyPrefix}`, files: out });
  }
  return items;
}

export async function deployedJob(t: DeployTarget, name: string): Promise<Job | null> {
  try {
    const r = await awsCall({ action: 'glue:GetJob', resource: `Glue job ${name}`, endpoint: t.clients.endpoint('glue') }, () => t.clients.glue.send(new GetJobCommand({ JobName: name })));
    return r.Job ?? null;
  } catch (err) {
    if (awsErrorCode(err) === 'EntityNotFoundException') return null;
    throw err;
  }
}

/** The Snowflake stage name job 2 loads from (unqualified, in the RAW schema). */
const stageName = (t: DeployTarget) => {
  const q = ddl.names(t.snowflake).stage;
  return q.slice(q.lastIndexOf('.') + 1);
};

/** The job definitions deploy wants for these artifacts (code at the versions' prefixes). */
export async function desiredJobs(t: DeployTarget, artifacts: JobArtifacts, code: Pick<CodeItem, 'job' | 'version' | 'prefix'>[] = codeLocations(t, artifacts)): Promise<Map<GlueJobKind, DesiredJob>> {
  const n = ddl.names(t.snowflake);
  const load = { route: t.profile.snowflake.load_route, database: n.db, schema: n.raw, stage: stageName(t) };
  const out = new Map<GlueJobKind, DesiredJob>();
  for (const item of code) {
    const file = await readJobFile(t.root, item.job);
    const at = { version: item.version, scriptUri: `${item.prefix}${artifacts.scripts[item.job].name}`, wheelUri: `${item.prefix}${artifacts.wheel.name}` };
    out.set(item.job, desiredJob(item.job, file, t.profile, at, load));
  }
  return out;
}

/** Where each job's code version lives, without asking S3. */
export function codeLocations(t: DeployTarget, artifacts: JobArtifacts): Pick<CodeItem, 'job' | 'version' | 'prefix'>[] {
  return GLUE_JOB_KINDS.map((job) => {
    const version = codeVersion(jobFiles(artifacts, job));
    return { job, version, prefix: `s3://${t.profile.aws.bucket}/${codeKeyPrefix(t.profile)}${version}/` };
  });
}

async function snowflakePlan(t: DeployTarget, contracts: ContractSet): Promise<SnowflakePlan> {
  const s = await SnowflakeSession.open(t.snowflake, { database: null, env: t.env });
  try {
    return await planDeploy(s, t.snowflake, contracts);
  } finally {
    await s.close();
  }
}

export async function planDeployment(t: DeployTarget, c: PlanContext): Promise<DeploymentPlan> {
  const p = t.profile;
  const account = await accountItems(t);
  const artifacts = await t.artifacts.load(c.log);
  const code = await codeItems(t, artifacts, account.find((a) => a.kind === 'bucket')!.state === 'exists');

  const desired = await desiredJobs(t, artifacts, code);
  const jobs: JobItem[] = [];
  for (const want of desired.values()) {
    const have = await deployedJob(t, want.name);
    const changes = have ? jobChanges(have, want.definition) : [];
    jobs.push({
      job: want.kind,
      name: want.name,
      state: !have ? 'create' : changes.length ? 'update' : 'unchanged',
      version: want.version,
      deployedVersion: have?.DefaultArguments?.[VERSION_ARGUMENT] ?? null,
      changes,
      settings: want.settings,
    });
  }

  const secret = await planSecret(t.clients.secrets, t.secretId, await secretValue(t.jobSnowflake, t.env));
  const snowflake = await snowflakePlan(t, c.contracts);

  const plan: DeploymentPlan = { action: 'deploy', profile: p.name, emulated: t.emulated, region: p.aws.region, bucket: p.aws.bucket, account, code, jobs, secret, snowflake };
  const bytes = new Map<string, Artifact>();
  for (const item of code) for (const f of jobFiles(artifacts, item.job)) bytes.set(`${item.prefix}${f.name}`, f);
  held.set(plan, { artifacts: bytes, desired });
  return plan;
}

/** Whether applying the plan would change anything. */
export function deploymentChanges(plan: DeploymentPlan): boolean {
  return (
    plan.account.some((a) => a.state !== 'exists') ||
    plan.code.some((c) => c.files.some((f) => f.state === 'upload')) ||
    plan.jobs.some((j) => j.state !== 'unchanged') ||
    plan.secret.state !== 'unchanged' ||
    planChanges(plan.snowflake)
  );
}

/** What blocks the plan's application on a real account: prerequisites only an administrator makes. */
export function blockers(plan: DeploymentPlan): AccountItem[] {
  return plan.account.filter((a) => a.state === 'missing');
}

/**
 * Runs a create; true when it created, false when the thing exists already (codes): a concurrent
 * deploy (another workspace's run, its auto-deploy) made it between this plan and its application.
 */
async function alreadyDone(codes: string[], create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (codes.includes(awsErrorCode(err) ?? '')) return false;
    throw err;
  }
}

export interface AppliedStep {
  what: string;
  done: string;
}

/** Makes the account's prerequisites the plan creates (the emulator's bucket and Glue role); a create that finds one made meanwhile is done. */
export async function applyAccount(t: DeployTarget, plan: Pick<DeploymentPlan, 'account'>, onStep?: (s: AppliedStep) => void): Promise<AppliedStep[]> {
  const { clients, profile: p } = t;
  const steps: AppliedStep[] = [];
  const step = (what: string, done: string) => {
    const s = { what, done };
    steps.push(s);
    onStep?.(s);
  };
  for (const a of plan.account.filter((x) => x.state === 'create')) {
    if (a.kind === 'bucket') {
      await alreadyDone(['BucketAlreadyOwnedByYou'], () =>
        awsCall({ action: 's3:CreateBucket', resource: `s3://${a.name}`, bucket: a.name, endpoint: clients.endpoint('s3') }, () =>
          clients.s3.send(new CreateBucketCommand({ Bucket: a.name, ...(p.aws.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: p.aws.region as never } }) })),
        ),
      );
      step(`bucket ${a.name}`, 'created');
    } else {
      const name = roleName(a.name);
      await alreadyDone(['EntityAlreadyExists', 'EntityAlreadyExistsException'], () =>
        awsCall({ action: 'iam:CreateRole', resource: `IAM role ${a.name}` }, () =>
          clients.iam.send(new CreateRoleCommand({ RoleName: name, Path: rolePath(a.name), AssumeRolePolicyDocument: glueTrustPolicyJson(), Description: 'Glue role of the Health Finance Claims jobs' })),
        ),
      );
      await awsCall({ action: 'iam:PutRolePolicy', resource: `IAM role ${a.name}` }, () =>
        clients.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'health-finance-claims-glue', PolicyDocument: JSON.stringify(glueRolePolicy(p, t.secretId)) })),
      );
      step(`role ${a.name}`, 'created with the Glue trust and permission policies');
    }
  }

  return steps;
}

/** Applies the plan (refused while a prerequisite is missing); reports each step as it is done. */
export async function applyDeployment(t: DeployTarget, plan: DeploymentPlan, onStep?: (s: AppliedStep) => void): Promise<AppliedStep[]> {
  const h = held.get(plan);
  if (!h) throw new Error('applyDeployment takes a plan made by planDeployment in this process');
  const missing = blockers(plan);
  if (missing.length) {
    throw new DeployBlockedError(
      `Deploy cannot go on: ${missing.map((m) => `the ${m.kind} ${m.name} does not exist`).join('; ')}.`,
      missing.map((m) => m.detail).join('; '),
    );
  }
  const { clients, profile: p } = t;
  const steps: AppliedStep[] = [];
  const step = (what: string, done: string) => {
    const s = { what, done };
    steps.push(s);
    onStep?.(s);
  };

  steps.push(...(await applyAccount(t, plan, onStep)));

  for (const item of plan.code) {
    const uploads = item.files.filter((f) => f.state === 'upload');
    for (const f of uploads) {
      const a = h.artifacts.get(`${item.prefix}${f.name}`)!;
      const key = f.uri.slice(`s3://${p.aws.bucket}/`.length);
      const encryption = p.aws.encryption.mode === 'sse-kms' ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: p.aws.encryption.kms_key_id } : { ServerSideEncryption: 'AES256' as const };
      await awsCall({ action: 's3:PutObject', resource: f.uri, bucket: p.aws.bucket, endpoint: clients.endpoint('s3') }, () =>
        clients.s3.send(new PutObjectCommand({ Bucket: p.aws.bucket, Key: key, Body: a.bytes, Metadata: { sha256: a.sha256 }, ChecksumAlgorithm: 'SHA256', ...encryption })),
      );
    }
    if (uploads.length) step(`code of ${item.job} ${item.version}`, `${uploads.length} file(s) uploaded to ${item.prefix}`);
  }

  if (plan.secret.state !== 'unchanged') {
    await applySecret(clients.secrets, plan.secret);
    step(`secret ${plan.secret.id}`, plan.secret.state === 'create' ? 'created' : 'updated');
  }

  if (planChanges(plan.snowflake)) {
    const s = await SnowflakeSession.open(t.snowflake, { database: null, env: t.env });
    try {
      const applied = await applyPlan(s, plan.snowflake);
      step(`Snowflake ${plan.snowflake.location}`, `${applied.filter((x) => x.ran.length).length} object(s) created or changed`);
    } finally {
      await s.close();
    }
  }

  for (const j of plan.jobs.filter((x) => x.state !== 'unchanged')) {
    const def = h.desired.get(j.job)!.definition;
    const resource = `Glue job ${j.name}`;
    try {
      const created =
        j.state === 'create' &&
        (await alreadyDone(['AlreadyExistsException', 'IdempotentParameterMismatchException'], () =>
          awsCall({ action: 'glue:CreateJob', resource, endpoint: clients.endpoint('glue') }, () => clients.glue.send(new CreateJobCommand({ Name: j.name, ...def, Role: def.Role!, Command: def.Command! }))),
        ));
      // updated also when a concurrent deploy created the job since the plan: the definition is ours then
      if (!created) {
        await awsCall({ action: 'glue:UpdateJob', resource, endpoint: clients.endpoint('glue') }, () => clients.glue.send(new UpdateJobCommand({ JobName: j.name, JobUpdate: def })));
      }
    } catch (err) {
      // CreateJob and UpdateJob pass the role to Glue: a denial there is most often iam:PassRole
      if (err instanceof AwsError && err.name === 'AwsAccessDeniedError') {
        throw new DeployBlockedError(`${err.message} Glue needs the caller to pass its role (iam:PassRole on ${def.Role}) and may ${j.state === 'create' ? 'glue:CreateJob' : 'glue:UpdateJob'}.`, err.hint);
      }
      throw err;
    }
    step(`Glue job ${j.name}`, `${j.state === 'create' ? 'created' : 'updated'} at version ${j.version}`);
  }
  return steps;
}

const SOURCE: Record<string, string> = { 'job.json': 'job.json', profile: 'profile', deploy: 'deploy' };

/** The plan for a person: every part, with which values apply and where they came from. */
export function deploymentLines(plan: DeploymentPlan): string[] {
  const lines = [`Deploy plan for profile ${plan.profile} (${plan.emulated ? 'cloud emulator' : `AWS ${plan.region}`}, bucket ${plan.bucket}):`];
  if (plan.account.length) {
    lines.push('  account');
    for (const a of plan.account) lines.push(`    ${a.state.padEnd(10)} ${a.kind} ${a.name}${a.state === 'exists' ? '' : ` (${a.detail})`}`);
  }
  lines.push('  code');
  for (const c of plan.code) {
    const up = c.files.filter((f) => f.state === 'upload');
    lines.push(`    ${(up.length ? 'upload' : 'exists').padEnd(10)} ${c.job} version ${c.version} at ${c.prefix}${up.length ? ` (${up.length} of ${c.files.length} files)` : ''}`);
  }
  lines.push('  Glue jobs');
  for (const j of plan.jobs) {
    lines.push(`    ${j.state.padEnd(10)} ${j.name} at version ${j.version}${j.deployedVersion && j.deployedVersion !== j.version ? ` (deployed: ${j.deployedVersion})` : ''}`);
    for (const ch of j.changes) lines.push(`                 ${ch.field}: ${ch.have} -> ${ch.want}`);
    for (const s of j.settings.filter((x) => ['WorkerType', 'NumberOfWorkers', 'Timeout', 'MaxRetries', 'GlueVersion', 'ExecutionProperty.MaxConcurrentRuns'].includes(x.field))) {
      lines.push(`                 ${s.field} ${s.value}${s.field === 'Timeout' ? ' min' : ''} (${SOURCE[s.source]})`);
    }
  }
  lines.push('  Secrets Manager');
  lines.push(`    ${plan.secret.state.padEnd(10)} ${plan.secret.id} (Glue job 2's Snowflake connection${plan.secret.state === 'update' ? '; its value differs' : ''})`);
  lines.push(...planLines(plan.snowflake).map((l) => `  ${l}`));
  if (!deploymentChanges(plan)) lines.push('Nothing to change: the deployment is up to date.');
  return lines;
}
