// The Snowflake secret's path through the app, over web mode's real HTTP server and event stream:
// it travels once, in the request that stores it in the OS keychain, and never comes back in any
// response or event; profiles.yaml names the keychain entry only; check, deploy and a run on the
// profile read it from the keychain (the emulator checks this user's password at login) and no file
// of the workspace, run records included, holds it. Where no keychain answers, nothing is stored.
//
// The keychain is a real Secret Service (gnome-keyring) on a private D-Bus session started here;
// where it cannot run, the describe says why it skips. The refusal without a keychain runs in a
// fresh process pointed at a bus that does not exist.

import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { isolateAwsEnvironment, LOGIN_CHECK_USER, loginCheckPassword, sharedEmulator } from '../emulator/testing/shared.ts';
import { readKeychain } from '../snowflake/keychain.ts';
import { secretServiceMissing, startSecretService, type SecretService } from '../snowflake/testing/secret-service.ts';
import { tempDir } from '../testing/tmp.ts';
import { sessionFor } from '../testing/web-session.ts';
import type { CheckLine, DeployPlanView, EventBatch, ServerEvent } from './protocol.ts';
import { createClaimsService, type ClaimsService } from './service.ts';
import { startUiServer, type UiServer } from './transports/http.ts';

/** Every file under dir, with its text (binary files too: a secret in one would still show). */
async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push({ path: join(e.parentPath, e.name), text: await readFile(join(e.parentPath, e.name), 'latin1') });
  }
  return out;
}

const missing = secretServiceMissing();

describe.skipIf(missing !== null)(`a Snowflake secret stored from the app into the OS keychain${missing ? `: skipped, ${missing}` : ''}`, () => {
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let keyring: SecretService;
  let service: ClaimsService;
  let server: UiServer;
  let session: string;
  let ws: WebSocket;
  let secret: string;
  const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;
  const savedEmulator = process.env.CLAIMS_EMULATOR_WORKSPACE;
  /** every byte the server sent: response bodies and event batches */
  const crossed: string[] = [];
  const events: ServerEvent[] = [];
  const id = process.pid;
  const name = 'acme';

  const api = async <T,>(method: string, body: unknown): Promise<{ status: number; ok: boolean; result: T; error?: { code: string; message: string; hint?: string } }> => {
    const res = await fetch(`${server.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` }, body: JSON.stringify(body) });
    const text = await res.text();
    crossed.push(text);
    return { status: res.status, ...(JSON.parse(text) as { ok: boolean; result: T }) };
  };

  /** Waits (bounded) for the event that ends a job. */
  const finished = async <K extends 'check.finished' | 'deploy.finished'>(kind: K, jobId: string, ms = 240_000): Promise<Extract<ServerEvent, { kind: K }>> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const e = events.find((x) => x.kind === kind && x.jobId === jobId);
      if (e) return e as Extract<ServerEvent, { kind: K }>;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${kind} for job ${jobId} within ${ms / 1000} s`);
  };
  const checkLines = (jobId: string): CheckLine[] => events.flatMap((e) => (e.kind === 'check.line' && e.jobId === jobId ? [e.line] : []));
  const runCheck = async () => {
    const started = await api<{ jobId: string }>('deploy.check', { profile: name });
    expect(started.status).toBe(200);
    const end = await finished('check.finished', started.result.jobId);
    return { end, lines: checkLines(started.result.jobId) };
  };

  beforeAll(async () => {
    scratch = await tempDir('claims-app-secrets-');
    // before the first keychain call of this process: the binding keeps the bus it connects to first
    keyring = await startSecretService(scratch.dir);
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
    await sharedEmulator();
    isolateAwsEnvironment();
    process.env.CLAIMS_EMULATOR_WORKSPACE = inject('claimsEmulatorWorkspace');
    // the one password the test emulator checks: a wrong one fails the login
    secret = loginCheckPassword();
    const staticDir = join(scratch.dir, 'static');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
    service = createClaimsService({ workspace: join(scratch.dir, 'ws'), log: () => {} });
    server = await startUiServer({ service, staticDir });
    session = await sessionFor(server.newLink());
    const ticket = await fetch(`${server.url}auth/ticket`, { method: 'POST', headers: { authorization: `Bearer ${session}` } }).then((r) => r.json() as Promise<{ result: { ticket: string } }>);
    ws = new WebSocket(`${server.url.replace('http', 'ws')}api/events?ticket=${ticket.result.ticket}`, { headers: { origin: server.url.replace(/\/$/, '') } });
    ws.on('message', (m) => {
      crossed.push(String(m));
      events.push(...(JSON.parse(String(m)) as EventBatch));
    });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  });

  afterAll(async () => {
    ws?.close();
    await server?.close();
    await service?.close();
    keyring?.stop();
    if (savedBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
    if (savedEmulator === undefined) delete process.env.CLAIMS_EMULATOR_WORKSPACE;
    else process.env.CLAIMS_EMULATOR_WORKSPACE = savedEmulator;
    await scratch?.cleanup();
  });

  it('stores the secret in the keychain entry named after the profile, answering with the entry only', async () => {
    expect((await api('profiles.keychain', {})).result).toEqual({ available: true });
    // a wrong password first: the login must fail with it, so a pass later is the keychain's value at work
    const wrong = await api<{ stored: true; keychain: { service: string; account: string } }>('profiles.storeSecret', { name, kind: 'password', secret: `wrong-${secret}` });
    expect(wrong.result).toEqual({ stored: true, keychain: { service: 'health-finance-claims', account: `snowflake/${name}/password` } });
    const profile = {
      kind: 'aws',
      emulator: true,
      generate: { members: 10, providers: 50, claims: 200, rows_per_file: 1000 },
      aws: { bucket: `hfc-app-secrets-${id}`, prefix: 'lake/' },
      glue: { role_arn: `arn:aws:iam::123456789012:role/test/hfc-app-secrets-${id}`, jobs: { cleanse: `hfc-app-cleanse-${id}`, load: `hfc-app-load-${id}` }, workers: 2 },
      snowflake: { account: 'emulator', user: LOGIN_CHECK_USER, database: `APP_SECRETS_${id}`, load_route: 'internal_stage', auth: { method: 'password', keychain: wrong.result.keychain } },
    };
    const saved = await api<{ saved: boolean; problems: unknown[] }>('profiles.save', { name, profile });
    expect(saved.result).toEqual({ saved: true, problems: [] });
    expect(await readKeychain({ service: 'health-finance-claims', account: `snowflake/${name}/password` })).toBe(`wrong-${secret}`);
  });

  it('check reads the password from the keychain: the wrong one fails the Snowflake login, the stored right one passes', async () => {
    const before = await runCheck();
    expect(before.lines.find((l) => l.name === 'Snowflake login')).toMatchObject({ status: 'fail' });
    expect(before.end.passed).toBe(false);
    const right = await api('profiles.storeSecret', { name, kind: 'password', secret });
    expect(right.status).toBe(200);
    // the CLI and an Airflow worker read the same entry through the same binding
    expect(await readKeychain({ service: 'health-finance-claims', account: `snowflake/${name}/password` })).toBe(secret);
    const after = await runCheck();
    expect(after.lines.find((l) => l.name === 'Snowflake login')).toMatchObject({ status: 'pass' });
    // each line came as its own event, in check's order
    expect(after.lines.map((l) => l.name).slice(0, 2)).toEqual(['AWS credentials', 'S3 bucket reachable and writable']);
  });

  it('deploys from a plan (nothing changes before apply), then every prerequisite passes', async () => {
    const plan = await api<DeployPlanView>('deploy.plan', { profile: name });
    expect(plan.status).toBe(200);
    expect(plan.result.jobs.map((j) => j.state)).toEqual(['create', 'create']);
    expect(plan.result.secret).toEqual({ id: expect.stringContaining(name), state: 'create' });
    expect(plan.result.jobs[0]!.settings).toContainEqual({ field: 'NumberOfWorkers', value: 2, source: 'profile' });
    const again = await api<DeployPlanView>('deploy.plan', { profile: name });
    expect(again.result.jobs.map((j) => j.state)).toEqual(['create', 'create']);
    const applied = await api<{ jobId: string }>('deploy.apply', { planId: plan.result.planId });
    expect(applied.status).toBe(200);
    const end = await finished('deploy.finished', applied.result.jobId);
    expect(end).toMatchObject({ status: 'succeeded' });
    expect(end.steps.map((s) => s.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^Glue job hfc-app-cleanse/), expect.stringMatching(/^secret /)]));
    // a plan is applied once
    expect((await api('deploy.apply', { planId: plan.result.planId })).status).toBe(404);
    const check = await runCheck();
    expect(check.lines.filter((l) => l.status === 'fail')).toEqual([]);
    expect(check.end.passed).toBe(true);
  });

  it('switched to, the app reads the profile\'s warehouse (a page and its count at once, on one Snowflake session)', async () => {
    expect((await api('profiles.activate', { name })).status).toBe(200);
    const info = await api<{ activeProfile: string; activeProfileKind: string; capabilities: { warehouse: { available: boolean } } }>('app.info', {});
    expect(info.result).toMatchObject({ activeProfile: name, activeProfileKind: 'aws', capabilities: { warehouse: { available: true } } });
    const page = await api<{ columns: { name: string }[]; rows: unknown[]; total: number }>('datasets.page', { ref: { source: 'warehouse', name: 'raw.members' }, offset: 0, limit: 10 });
    expect(page.status).toBe(200);
    expect(page.result.columns.map((c) => c.name)).toContain('member_id');
    expect(page.result.total).toBe(0);
    const lineage = await api<{ available: boolean; reason: string }>('lineage.graph', {});
    expect(lineage.result).toEqual({ available: false, reason: expect.stringContaining(`No dbt run yet on profile ${name}`) });
  });

  it('runs on the profile, and no response, event or file of the workspace (profiles.yaml, run records) holds the secret', async () => {
    const run = await api<{ runId: string }>('runs.start', { batch: 1, profile: name, stages: ['generate'] });
    expect(run.status).toBe(200);
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await api<{ run: { status: string } }>('runs.get', { runId: run.result.runId })).result.run.status;
    }
    expect(status).toBe('succeeded');
    for (const m of ['profiles.list', 'app.info']) await api(m, {});
    await api('profiles.get', { name });
    await api('profiles.validate', { name, profile: { kind: 'local' } });
    await new Promise((r) => setTimeout(r, 300));

    expect(crossed.length).toBeGreaterThan(15);
    for (const text of crossed) expect(text).not.toContain(secret);
    const yaml = await readFile(join(scratch.dir, 'ws', 'profiles.yaml'), 'utf8');
    expect(yaml).toContain(`account: snowflake/${name}/password`);
    expect(yaml).not.toContain(secret);
    const files = await filesUnder(join(scratch.dir, 'ws'));
    expect(files.some((f) => f.path.includes(`runs/${run.result.runId}/`))).toBe(true);
    expect(files.filter((f) => f.text.includes(secret)).map((f) => f.path)).toEqual([]);
  });
});

describe.skipIf(process.platform !== 'linux')('where no keychain answers', () => {
  it('refuses to store the secret, stores it nowhere, and offers an environment variable instead', async () => {
    const scratch = await tempDir('claims-no-keychain-');
    try {
      const marker = `no-keychain-${process.pid}-secret`;
      // a fresh process: the binding keeps the D-Bus connection it made first
      const script = `import { createClaimsService } from './pipeline/api/service.ts';
        const s = createClaimsService({ workspace: ${JSON.stringify(join(scratch.dir, 'ws'))}, log: () => {} });
        const probe = await s.call('profiles.keychain', {});
        const stored = await s.call('profiles.storeSecret', { name: 'acme', kind: 'password', secret: ${JSON.stringify(marker)} });
        await s.close();
        console.log(JSON.stringify({ probe, stored }));`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: process.cwd(),
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(scratch.dir, 'no-bus-here')}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { probe: { result: { available: boolean; reason: string } }; stored: { ok: boolean; error: { code: string; message: string; hint: string } } };
      expect(out.probe.result).toMatchObject({ available: false, reason: expect.stringMatching(/keychain cannot be used here/) });
      expect(out.stored).toMatchObject({ ok: false, error: { code: 'unavailable', hint: expect.stringMatching(/environment variable .*password_env.*nothing is written in plain text/) } });
      expect(r.stdout).not.toContain(marker);
      const files = await filesUnder(scratch.dir);
      expect(files.filter((f) => f.text.includes(marker)).map((f) => f.path)).toEqual([]);
    } finally {
      await scratch.cleanup();
    }
  });
});
