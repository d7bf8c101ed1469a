// claims deploy / check / destroy against the test run's one cloud emulator: moto's S3, Glue, IAM,
// STS and Secrets Manager, and fakesnow through the Node adapter. Each test has its own bucket,
// prefix, job names, Glue role and Snowflake database. The artifacts are the checkout's (the wheel
// built by the first deploy if dist/glue lacks it), or that with one byte of a script changed.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteJobCommand, GetJobCommand } from '@aws-sdk/client-glue';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClients, type AwsClients } from '../aws/clients.ts';
import { loadContracts } from '../contract-loader/load.ts';
import type { EmulatorInfo } from '../emulator/record.ts';
import { emulatorAwsForTests, LOGIN_CHECK_USER, loginCheckPassword, sharedEmulator } from '../emulator/testing/shared.ts';
import { CLOUD_EMULATOR_PROFILE } from '../profiles/load.ts';
import type { AwsProfile } from '../profiles/types.ts';
import { SnowflakeSession } from '../snowflake/connection.ts';
import { snowflakeSettingsFor } from '../snowflake/profile-settings.ts';
import { testSecret } from '../snowflake/testing/emulator-settings.ts';
import { workspacePaths } from '../workspace.ts';
import { artifact, repoArtifacts, REPO_ROOT, type ArtifactSource } from './artifacts.ts';
import { checkDeployment, checkPassed, type CheckLine } from './check.ts';
import { applyDestruction, destructionChanges, destructionLines, planDestruction } from './destroy.ts';
import { DeploymentOutOfDateError, ensureDeployed } from './ensure.ts';
import { VERSION_ARGUMENT } from './job-definitions.ts';
import { applyDeployment, DeployBlockedError, deploymentChanges, deploymentLines, planDeployment } from './plan.ts';
import type { DeployTarget } from './target.ts';

const contracts = loadContracts();
const secret = testSecret();
const env = { CLAIMS_TEST_SNOWFLAKE_PASSWORD: secret };
/** everything the product said: plan lines, JSON plans, steps, check lines (grepped for the secret) */
const said: string[] = [];
let emulator: EmulatorInfo;
let clients: AwsClients;
let n = 0;

beforeAll(async () => {
  clients = awsClients(await emulatorAwsForTests());
  emulator = await sharedEmulator();
});
afterAll(() => clients?.destroy());

function profile(overrides: { bucket?: string; auto_deploy?: boolean; user?: string } = {}): AwsProfile {
  const id = `${process.pid}-${++n}`;
  return {
    ...CLOUD_EMULATOR_PROFILE,
    name: `deploy-test-${id}`,
    auto_deploy: overrides.auto_deploy ?? false,
    aws: { ...CLOUD_EMULATOR_PROFILE.aws, bucket: overrides.bucket ?? `hfc-deploy-${id}`, prefix: 'lake/' },
    glue: { ...CLOUD_EMULATOR_PROFILE.glue, role_arn: `arn:aws:iam::123456789012:role/test/hfc-deploy-${id}`, jobs: { cleanse: `hfc-cleanse-${id}`, load: `hfc-load-${id}` }, workers: 3, worker_type: undefined, timeout_minutes: undefined },
    snowflake: { ...CLOUD_EMULATOR_PROFILE.snowflake, database: `DEPLOY_${n}_${process.pid}`, user: overrides.user ?? 'CLAIMS_TEST', auth: { method: 'password', password_env: 'CLAIMS_TEST_SNOWFLAKE_PASSWORD' } },
  };
}

function target(p: AwsProfile, artifacts: ArtifactSource = repoArtifacts(), e: NodeJS.ProcessEnv = env): DeployTarget {
  return {
    profile: p,
    clients,
    snowflake: { ...snowflakeSettingsFor(p, emulator, 'node'), statementTimeoutSeconds: 30, loginTimeoutSeconds: 20 },
    jobSnowflake: snowflakeSettingsFor(p, emulator, 'python'),
    emulated: true,
    secretId: `health-finance-claims/${p.name}/snowflake`,
    artifacts,
    root: REPO_ROOT,
    env: e,
  };
}

async function deploy(t: DeployTarget) {
  const plan = await planDeployment(t, { contracts });
  said.push(...deploymentLines(plan), JSON.stringify(plan));
  const steps = await applyDeployment(t, plan);
  said.push(JSON.stringify(steps));
  return { plan, steps };
}

async function check(t: DeployTarget): Promise<CheckLine[]> {
  const lines = await checkDeployment(t, contracts);
  said.push(JSON.stringify(lines));
  return lines;
}

const status = (lines: CheckLine[], name: string) => lines.find((l) => l.name === name);
const getJob = async (name: string) => (await clients.glue.send(new GetJobCommand({ JobName: name }))).Job!;

/** The checkout's artifacts with one byte of the cleanse script changed. */
function changedCleanseScript(): ArtifactSource {
  return {
    async load(log) {
      const a = await repoArtifacts().load(log);
      return { ...a, scripts: { ...a.scripts, cleanse: artifact('cleanse.py', Buffer.concat([a.scripts.cleanse.bytes, Buffer.from('#')])) } };
    },
  };
}

describe('claims deploy', () => {
  it('deploys a fresh profile (account, code, jobs, secret, Snowflake), then finds nothing to change; check passes', async () => {
    const p = profile();
    const t = target(p);
    const { plan, steps } = await deploy(t);
    expect(plan.account.map((a) => [a.kind, a.state])).toEqual([['bucket', 'create'], ['role', 'create']]);
    expect(plan.jobs.map((j) => j.state)).toEqual(['create', 'create']);
    expect(plan.secret.state).toBe('create');
    expect(plan.code.every((c) => c.files.every((f) => f.state === 'upload'))).toBe(true);
    // the two jobs run different scripts: two code versions
    expect(new Set(plan.code.map((c) => c.version)).size).toBe(2);
    expect(steps.map((s) => s.what)).toEqual([
      `bucket ${p.aws.bucket}`,
      `role ${p.glue.role_arn}`,
      `code of cleanse ${plan.code[0]!.version}`,
      `code of load ${plan.code[1]!.version}`,
      `secret ${t.secretId}`,
      `Snowflake ${plan.snowflake.location}`,
      `Glue job ${p.glue.jobs.cleanse}`,
      `Glue job ${p.glue.jobs.load}`,
    ]);

    // the job as Glue has it: job.json's defaults, the profile's overrides, the deployed code
    const cleanse = await getJob(p.glue.jobs.cleanse);
    const code = plan.code[0]!;
    expect(cleanse).toMatchObject({ Role: p.glue.role_arn, GlueVersion: '5.0', WorkerType: 'G.1X', NumberOfWorkers: 3, Timeout: 60, MaxRetries: 0, ExecutionProperty: { MaxConcurrentRuns: 1 } });
    expect(cleanse.Command).toMatchObject({ Name: 'glueetl', ScriptLocation: `${code.prefix}cleanse.py` });
    expect(code.prefix).toBe(`s3://${p.aws.bucket}/lake/_deploy/${code.version}/`);
    expect(cleanse.DefaultArguments).toMatchObject({ '--additional-python-modules': `${code.prefix}hfc_glue-0.1.0-py3-none-any.whl`, [VERSION_ARGUMENT]: code.version, '--job-bookmark-option': 'job-bookmark-disable' });
    expect(plan.jobs[0]!.settings.filter((s) => ['WorkerType', 'NumberOfWorkers', 'Timeout'].includes(s.field)).map((s) => [s.field, s.value, s.source])).toEqual([
      ['WorkerType', 'G.1X', 'job.json'],
      ['NumberOfWorkers', 3, 'profile'],
      ['Timeout', 60, 'job.json'],
    ]);
    const load = await getJob(p.glue.jobs.load);
    expect(load.DefaultArguments).toMatchObject({ '--route': 'internal_stage', '--database': p.snowflake.database, '--schema': 'RAW', '--stage': 'HFC_LAKE' });
    expect(plan.jobs[1]!.settings.find((s) => s.field === 'DefaultArguments.--route')).toEqual({ field: 'DefaultArguments.--route', value: 'internal_stage', source: 'profile' });

    // the uploaded files carry their hash; the role trusts Glue; the secret is job 2's connection
    const wheel = await clients.s3.send(new HeadObjectCommand({ Bucket: p.aws.bucket, Key: `lake/_deploy/${code.version}/hfc_glue-0.1.0-py3-none-any.whl` }));
    expect(wheel.Metadata?.sha256).toBe(code.files.find((f) => f.name.endsWith('.whl'))!.sha256);
    expect(code.files.map((f) => f.name)).toContain('contracts/claims.yaml');
    const role = await clients.iam.send(new GetRoleCommand({ RoleName: `hfc-deploy-${p.name.slice('deploy-test-'.length)}` }));
    expect(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)).toContain('glue.amazonaws.com');
    const stored = JSON.parse((await clients.secrets.send(new GetSecretValueCommand({ SecretId: t.secretId }))).SecretString!) as Record<string, unknown>;
    expect(stored).toEqual({ account: 'emulator', user: 'CLAIMS_TEST', role: 'CLAIMS_LOADER', warehouse: 'CLAIMS_WH', password: secret, host: '127.0.0.1', port: Number(new URL(emulator.endpoints.snowflakePython).port), protocol: 'http' });
    const s = await SnowflakeSession.open(t.snowflake, { env, database: null });
    try {
      const tables = await s.objects(`SELECT TABLE_NAME FROM ${p.snowflake.database}.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'RAW' ORDER BY 1`);
      expect(tables.map((r) => r.table_name)).toEqual(['BATCH_AUDIT', 'CLAIMS', 'DUPLICATES', 'MEMBERS', 'PROVIDERS', 'QUARANTINE']);
    } finally {
      await s.close();
    }

    const again = await deploy(t);
    expect(deploymentChanges(again.plan)).toBe(false);
    expect(again.steps).toEqual([]);
    expect(again.plan.jobs.map((j) => [j.state, j.deployedVersion])).toEqual(plan.jobs.map((j) => ['unchanged', j.version]));
    expect(deploymentLines(again.plan).at(-1)).toBe('Nothing to change: the deployment is up to date.');

    const lines = await check(t);
    expect(lines.map((l) => [l.name, l.status])).toEqual([
      ['AWS credentials', 'pass'],
      ['S3 bucket reachable and writable', 'pass'],
      ['Glue role exists', 'pass'],
      ['Glue role can be passed', 'not_emulated'],
      ['Glue jobs deployed at the current version', 'pass'],
      ["Glue job 2's Snowflake secret", 'pass'],
      ['Snowflake login', 'pass'],
      ['Snowflake warehouse usable', 'not_emulated'],
      ['Snowflake objects deployed', 'pass'],
      ['Snowflake schemas writable', 'pass'],
      ['Snowflake reader role', 'not_emulated'],
    ]);
    expect(checkPassed(lines)).toBe(true);

    // one changed byte in the cleanse script: a new version of that job's code, and that job only updated
    const changed = target(p, changedCleanseScript());
    const third = await deploy(changed);
    expect(third.plan.jobs.map((j) => j.state)).toEqual(['update', 'unchanged']);
    expect(third.plan.jobs[0]!.changes.map((c) => c.field)).toEqual(['Command.ScriptLocation', 'DefaultArguments.--additional-python-modules', `DefaultArguments.${VERSION_ARGUMENT}`]);
    expect(third.plan.code[0]!.version).not.toBe(code.version);
    expect(third.plan.code[1]).toEqual(again.plan.code[1]);
    expect(third.steps.map((x) => x.what)).toEqual([`code of cleanse ${third.plan.code[0]!.version}`, `Glue job ${p.glue.jobs.cleanse}`]);
    expect((await getJob(p.glue.jobs.cleanse)).Command?.ScriptLocation).toBe(`${third.plan.code[0]!.prefix}cleanse.py`);
    expect((await getJob(p.glue.jobs.load)).DefaultArguments?.[VERSION_ARGUMENT]).toBe(plan.code[1]!.version);
    // against the checkout again, check says the cleanse job is not at the current version
    const stale = status(await check(t), 'Glue jobs deployed at the current version')!;
    expect(stale).toMatchObject({ status: 'fail', fix: `Run \`claims deploy --profile ${p.name}\`.` });
    expect(stale.detail).toBe(`${p.glue.jobs.cleanse} runs code ${third.plan.code[0]!.version}, the checkout's is ${code.version}`);
  });

  it('check fails, with the fix, for a missing bucket, a missing job and a Snowflake login failure', async () => {
    const absent = profile({ bucket: `hfc-deploy-absent-${process.pid}` });
    const noBucket = await check(target(absent));
    expect(status(noBucket, 'S3 bucket reachable and writable')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`The S3 bucket ${absent.aws.bucket} does not exist`), fix: expect.stringContaining(`Create the bucket ${absent.aws.bucket}`) });
    expect(status(noBucket, 'Glue role exists')).toMatchObject({ status: 'fail', detail: `IAM role ${absent.glue.role_arn} does not exist` });
    expect(checkPassed(noBucket)).toBe(false);
    // on a real account deploy makes neither: the plan says what an administrator must make, and nothing is applied
    const real = { ...target(absent), emulated: false };
    const blocked = await planDeployment(real, { contracts });
    expect(blocked.account.map((a) => [a.kind, a.state])).toEqual([['bucket', 'missing'], ['role', 'missing']]);
    const refused = await applyDeployment(real, blocked).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeployBlockedError);
    expect((refused as Error).message).toBe(`Deploy cannot go on: the bucket ${absent.aws.bucket} does not exist; the role ${absent.glue.role_arn} does not exist.`);
    expect(await planDeployment(real, { contracts })).toMatchObject({ secret: { state: 'create' }, jobs: [{ state: 'create' }, { state: 'create' }] });

    const p = profile();
    const t = target(p);
    await deploy(t);
    await clients.glue.send(new DeleteJobCommand({ JobName: p.glue.jobs.load }));
    const noJob = await check(t);
    expect(status(noJob, 'Glue jobs deployed at the current version')).toMatchObject({ status: 'fail', detail: `${p.glue.jobs.load} does not exist`, fix: `Run \`claims deploy --profile ${p.name}\`.` });
    expect(noJob.filter((l) => l.status === 'fail').map((l) => l.name)).toEqual(['Glue jobs deployed at the current version']);

    // the emulator checks this user's password: a wrong one is refused as Snowflake refuses it, the right one logs in
    const locked = profile({ user: LOGIN_CHECK_USER });
    const wrong = await check(target(locked, repoArtifacts(), { CLAIMS_TEST_SNOWFLAKE_PASSWORD: 'not-the-password' }));
    expect(status(wrong, 'Snowflake login')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`Snowflake login failed for user ${LOGIN_CHECK_USER} on account emulator`), fix: expect.any(String) });
    expect(status(wrong, 'Snowflake login')!.detail).toContain('Incorrect username or password');
    expect(status(wrong, 'Snowflake objects deployed')).toMatchObject({ status: 'skipped', detail: 'needs a login' });
    const right = await check(target(locked, repoArtifacts(), { CLAIMS_TEST_SNOWFLAKE_PASSWORD: loginCheckPassword() }));
    expect(status(right, 'Snowflake login')?.status).toBe('pass');
  });

  it('destroy --dry-run lists and removes nothing; destroy removes; the data only when asked; a deploy after it works', async () => {
    const p = profile();
    const t = target(p);
    await deploy(t);
    await clients.s3.send(new PutObjectCommand({ Bucket: p.aws.bucket, Key: 'lake/raw/csv/claims/batch=1/part-0.csv', Body: 'claim_id\nC1\n' }));

    const dry = await planDestruction(t);
    said.push(...destructionLines(dry));
    expect(dry.items.map((i) => [i.kind, i.state, i.count ?? null])).toEqual([
      ['glue_job', 'delete', null],
      ['glue_job', 'delete', null],
      ['objects', 'delete', 32],
      ['secret', 'delete', null],
      ['objects', 'kept', null],
      ['bucket', 'kept', null],
      ['role', 'kept', null],
    ]);
    // a plan changes nothing: everything is still there
    expect(checkPassed(await check(t))).toBe(true);

    await applyDestruction(t, dry);
    const after = await check(t);
    expect(after.filter((l) => l.status === 'fail').map((l) => l.name)).toEqual(['Glue jobs deployed at the current version', "Glue job 2's Snowflake secret", 'Snowflake objects deployed', 'Snowflake schemas writable']);
    expect(destructionChanges(await planDestruction(t))).toBe(false);
    // the lake's data was kept; with includeData it goes
    await expect(clients.s3.send(new HeadObjectCommand({ Bucket: p.aws.bucket, Key: 'lake/raw/csv/claims/batch=1/part-0.csv' }))).resolves.toBeDefined();
    const withData = await planDestruction(t, { includeData: true });
    expect(withData.items.find((i) => i.scope === 'data')).toMatchObject({ state: 'delete', count: 1 });
    await applyDestruction(t, withData);
    await expect(clients.s3.send(new HeadObjectCommand({ Bucket: p.aws.bucket, Key: 'lake/raw/csv/claims/batch=1/part-0.csv' }))).rejects.toThrow();

    const redeploy = await deploy(t);
    expect(redeploy.plan.jobs.map((j) => j.state)).toEqual(['create', 'create']);
    expect(redeploy.plan.account.map((a) => a.state)).toEqual(['exists', 'exists']);
    expect(checkPassed(await check(t))).toBe(true);
  });

  it('a run is refused at once while the deployment is missing, and deploys first under auto_deploy', async () => {
    const paths = workspacePaths(inject('claimsEmulatorWorkspace'));
    const manual = profile();
    const refused = await ensureDeployed(manual, paths, { target: target(manual) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeploymentOutOfDateError);
    expect((refused as Error).message).toMatch(new RegExp(`deploy first: claims deploy --profile ${manual.name}$`));
    expect((refused as Error).message).toContain(`Glue job ${manual.glue.jobs.cleanse} not deployed`);

    const auto = profile({ auto_deploy: true });
    const logged: string[] = [];
    expect(await ensureDeployed(auto, paths, { target: target(auto), log: (m) => logged.push(m) })).toEqual({ deployed: true });
    expect(logged[0]).toMatch(new RegExp(`^Deploying profile ${auto.name} first \\(auto_deploy\\)`));
    expect(await ensureDeployed(auto, paths, { target: target(auto) })).toEqual({ deployed: false });
    said.push(...logged);
  });

  it('two deploys of one profile at once (two workspaces\' runs) both succeed, and leave one deployment', async () => {
    const p = profile();
    const [a, b] = [target(p), target(p)];
    const [pa, pb] = [await planDeployment(a, { contracts }), await planDeployment(b, { contracts })];
    // both planned before either applied: both would create everything
    expect([pa.secret.state, pb.secret.state, pa.jobs[0]!.state, pb.jobs[0]!.state]).toEqual(['create', 'create', 'create', 'create']);
    // the second applies its plan after the first applied its own: every create finds the thing made, and writes ours
    await applyDeployment(a, pa);
    await applyDeployment(b, pb);
    expect(deploymentChanges(await planDeployment(a, { contracts }))).toBe(false);
    expect(checkPassed(await check(a))).toBe(true);

    // two runs auto-deploying one fresh profile: the deploy lock lets one deploy, the other plans again after it
    const q = profile({ auto_deploy: true });
    const paths = workspacePaths(inject('claimsEmulatorWorkspace'));
    const logs: string[][] = [[], []];
    const both = await Promise.allSettled([0, 1].map((i) => ensureDeployed(q, paths, { target: target(q), log: (m) => logs[i]!.push(m) })));
    expect(both.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(deploymentChanges(await planDeployment(target(q), { contracts }))).toBe(false);
    // the jobs were created once: whichever deployed second found them
    expect(logs.flat().filter((m) => m.startsWith(`deploy: Glue job ${q.glue.jobs.cleanse} created`))).toHaveLength(1);
    said.push(...logs.flat());
  });

  it('never writes or says the Snowflake secret', async () => {
    expect(said.length).toBeGreaterThan(0);
    expect(said.join('\n')).not.toContain(secret);
    // the emulator's state (fakesnow's databases, Glue run folders, logs) and the built wheel's folder
    const roots = [inject('claimsEmulatorWorkspace'), join(REPO_ROOT, 'dist', 'glue')];
    for (const root of roots) {
      for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = join(entry.parentPath, entry.name);
        const bytes = await readFile(file).catch(() => Buffer.alloc(0));
        expect(bytes.includes(secret), file).toBe(false);
      }
    }
  });
});
