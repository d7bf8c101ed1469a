// The web transport's gatekeeping: a one-time code buys one session, sessions travel as a header
// (never a cookie), the WebSocket opens with a single-use ticket, Host and Origin must be the app's
// own, every response carries the security headers, and malformed requests are 400s.
import { statSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../testing/tmp.ts';
import { codeOf, exchangeCode, sessionFor } from '../../testing/web-session.ts';
import type { EventBatch } from '../protocol.ts';
import { startUiServer, type UiServer } from './http.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';
import { LINK_SECRET_HEADER, runningUiServers } from './ui-server-file.ts';
import { CODE_TTL_MS, SESSION_IDLE_MS } from './web-auth.ts';

let dir: string;
let staticDir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;
let server: UiServer;
let session: string;
let clock = Date.now();

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-http-'));
  staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  service = createClaimsService({ workspace: join(dir, 'ws'), log: () => {} });
  server = await startUiServer({ service, staticDir, now: () => clock });
  session = await sessionFor(server.newLink());
});

afterAll(async () => {
  await server.close();
  await service.close();
  await cleanup();
});

const api = (method: string, body: unknown, headers: Record<string, string> = {}, base = server.url) =>
  fetch(`${base}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), redirect: 'manual' });
const bearer = (s = session) => ({ authorization: `Bearer ${s}` });

/** A raw request, for what fetch will not send (another Host, a malformed path). */
const raw = (path: string, headers: Record<string, string> = {}, method = 'GET', body = '') =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end(body);
  });

describe('one-time codes and sessions', () => {
  it('binds to 127.0.0.1 and prints a link whose code is in the fragment, never in what the browser sends', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.launchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#code=[\w-]{40,}$/);
    expect(codeOf(server.newLink())).not.toBe(codeOf(server.launchUrl));
  });

  it('trades a code for a session once; a spent code is refused', async () => {
    const code = codeOf(server.newLink());
    const first = await exchangeCode(server.url, code);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { result: { session: string; idleTimeoutSeconds: number } };
    expect(body.result.session.length).toBeGreaterThanOrEqual(40);
    expect(body.result.idleTimeoutSeconds).toBe(SESSION_IDLE_MS / 1000);
    expect(first.headers.get('set-cookie')).toBeNull();
    const again = await exchangeCode(server.url, code);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already used or has expired/);
    expect((await api('app.info', {}, bearer(body.result.session))).status).toBe(200);
  });

  it('refuses a code that was never issued, or one left unused past its lifetime', async () => {
    expect((await exchangeCode(server.url, 'x'.repeat(43))).status).toBe(401);
    const code = codeOf(server.newLink());
    clock += CODE_TTL_MS + 1;
    expect((await exchangeCode(server.url, code)).status).toBe(401);
  });

  it('ends a session after 12 idle hours, and keeps a used one alive', async () => {
    const idle = await sessionFor(server.newLink());
    const busy = await sessionFor(server.newLink());
    clock += SESSION_IDLE_MS / 2;
    expect((await api('app.info', {}, bearer(busy))).status).toBe(200);
    clock += SESSION_IDLE_MS / 2 + 1;
    expect((await api('app.info', {}, bearer(idle))).status).toBe(401);
    expect((await api('app.info', {}, bearer(busy))).status).toBe(200);
    session = busy;
  });

  it('rejects API calls without a session, with a wrong one, or with a code instead of a session', async () => {
    expect((await api('app.info', {})).status).toBe(401);
    const wrong = `${session.slice(0, -1)}${session.endsWith('x') ? 'y' : 'x'}`;
    expect((await api('app.info', {}, bearer(wrong))).status).toBe(401);
    expect((await api('app.info', {}, bearer(codeOf(server.newLink())))).status).toBe(401);
  });

  it('sets no cookie on any response', async () => {
    const responses = [await fetch(server.url), await fetch(`${server.url}assets/x.js`), await api('app.info', {}, bearer()), await api('app.info', {}), await exchangeCode(server.url, codeOf(server.newLink()))];
    for (const r of responses) expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('dies with its server: a session of a stopped server does not open the next one on the same port', async () => {
    const ws = join(dir, 'ws2');
    const s1 = createClaimsService({ workspace: ws, log: () => {} });
    const a = await startUiServer({ service: s1, staticDir });
    const old = await sessionFor(a.newLink());
    expect((await api('app.info', {}, bearer(old), a.url)).status).toBe(200);
    await a.close();
    // let the client's pool see that the old server closed its kept-alive connection
    await new Promise((r) => setTimeout(r, 100));
    const b = await startUiServer({ service: s1, staticDir, port: a.port });
    try {
      expect(b.url).toBe(a.url);
      expect((await api('app.info', {}, bearer(old), b.url)).status).toBe(401);
    } finally {
      await b.close();
      await s1.close();
    }
  });
});

describe('claims ui link', () => {
  it('keeps its link secret in a file only its owner can read, and mints links for whoever presents it', async () => {
    const [entry] = runningUiServers(service.workspace);
    expect(entry?.port).toBe(server.port);
    const file = join(service.workspace, '.ui', `server-${server.port}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const refused = await fetch(`${server.url}auth/link`, { method: 'POST', headers: { [LINK_SECRET_HEADER]: 'nope' } });
    expect(refused.status).toBe(401);
    const res = await fetch(`${server.url}auth/link`, { method: 'POST', headers: { [LINK_SECRET_HEADER]: entry!.linkSecret } });
    const link = ((await res.json()) as { result: { url: string } }).result.url;
    expect((await api('app.info', {}, bearer(await sessionFor(link)))).status).toBe(200);
  });

  it('prints a working link from the command line', async () => {
    const { execFile } = await import('node:child_process');
    const cli = join(import.meta.dirname, '..', '..', '..', 'bin', 'claims.mjs');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'ui', 'link', '--workspace', service.workspace], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const link = out.trim();
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#code=`));
    expect((await api('app.info', {}, bearer(await sessionFor(link)))).status).toBe(200);
  });
});

describe('origin checks and headers', () => {
  it('refuses another Host (DNS rebinding) and another Origin (cross-site) even with a session', async () => {
    expect((await raw('/api/app.info', { host: `evil.example:${server.port}`, ...bearer(), 'content-type': 'application/json' }, 'POST', '{}')).status).toBe(401);
    expect((await api('app.info', {}, { ...bearer(), origin: 'http://evil.example' })).status).toBe(401);
    const code = codeOf(server.newLink());
    expect((await raw('/auth/session', { host: `evil.example:${server.port}`, 'content-type': 'application/json' }, 'POST', JSON.stringify({ code }))).status).toBe(401);
    // refused before it was looked at: the code is still good from the app's own origin
    expect((await exchangeCode(server.url, code)).status).toBe(200);
  });

  it('serves the app shell to anyone (it holds no data) with its content security policy', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('puts nosniff and the other security headers on every response: API, errors, files', async () => {
    const responses = [await api('app.info', {}, bearer()), await api('app.info', {}), await api('nope.nothing', {}, bearer()), await fetch(server.url), await fetch(`${server.url}auth/nothing`, { method: 'POST' })];
    for (const r of responses) {
      expect(r.headers.get('x-content-type-options'), r.url).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), r.url).toBe('no-referrer');
      expect(r.headers.get('cross-origin-resource-policy'), r.url).toBe('same-origin');
    }
    expect((await api('app.info', {}, bearer())).headers.get('cache-control')).toBe('no-store');
  });

  it('answers 400 to a malformed URL instead of failing', async () => {
    const bad = await raw('/%ff');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-content-type-options']).toBe('nosniff');
    expect((await raw('/api/%E0%A4%A', { ...bearer(), 'content-type': 'application/json' }, 'POST', '{}')).status).toBe(400);
  });
});

describe('WebSocket events', () => {
  const connect = (query = '', headers: Record<string, string> = {}) => new WebSocket(`ws://127.0.0.1:${server.port}/api/events${query}`, { headers });
  const refusal = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  const ticket = async () => ((await (await fetch(`${server.url}auth/ticket`, { method: 'POST', headers: bearer() })).json()) as { result: { ticket: string } }).result.ticket;

  it('hands tickets to sessions only', async () => {
    expect((await fetch(`${server.url}auth/ticket`, { method: 'POST' })).status).toBe(401);
  });

  it('refuses an upgrade without a ticket, with a session instead of one, or from another origin', async () => {
    expect(await refusal(connect())).toBe(401);
    expect(await refusal(connect('', bearer()))).toBe(401);
    expect(await refusal(connect(`?ticket=${await ticket()}`, { origin: 'http://evil.example' }))).toBe(401);
  });

  it('streams event batches to a client with a ticket, and a ticket opens one socket only', async () => {
    const t = await ticket();
    const ws = connect(`?ticket=${t}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const got = new Promise<EventBatch>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)) as EventBatch)));
    expect((await api('profiles.activate', { name: 'local' }, bearer())).status).toBe(200);
    expect(await got).toContainEqual({ kind: 'workspace.changed', what: 'profiles' });
    ws.close();
    expect(await refusal(connect(`?ticket=${t}`))).toBe(401);
  });
});

describe('payload validation', () => {
  it('answers 404 for an unknown method and 400 for a non-JSON body', async () => {
    expect((await api('nope.nothing', {}, bearer())).status).toBe(404);
    expect((await api('toString', {}, bearer())).status).toBe(404);
    const res = await fetch(`${server.url}api/app.info`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{oops' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it('lists every invalid field with its path', async () => {
    const res = await api('datasets.page', { ref: { source: 'lake', name: '' }, offset: -1, limit: 100000, extra: 1 }, bearer());
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(error.code).toBe('invalid_request');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['(request)', 'ref.source', 'ref.name', 'offset', 'limit']));
  });

  it('bounds offsets by the largest table there can be: 1e17 is a 400, not a 500', async () => {
    const res = await api('datasets.page', { ref: { source: 'generated', name: 'claims', batch: 1 }, offset: 1e17, limit: 10 }, bearer());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details).toEqual([expect.objectContaining({ path: 'offset' })]);
  });

  it('refuses the names of built-in object members as profile names', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty']) {
      for (const method of ['profiles.activate', 'profiles.get']) expect((await api(method, { name }, bearer())).status, `${method} ${name}`).toBe(400);
      expect((await api('runs.start', { batch: 1, profile: name }, bearer())).status, name).toBe(400);
      expect((await api('profiles.save', { name, profile: { kind: 'local' } }, bearer())).status, name).toBe(400);
    }
  });

  it('names the generator option that is out of range', async () => {
    const res = await api('generate.start', { seed: 1, members: 5, providers: 60, claims: 100, batch: 1, dirtyRate: 0 }, bearer());
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: unknown } };
    expect(error.details).toEqual([{ path: 'members', message: expect.stringContaining('between 10 and') }]);
  });

  it('validates the cloud payloads, naming the field, and never echoes a secret sent in a bad one', async () => {
    const marker = 'never-echo-this-secret-4f1c';
    const bad = async (method: string, body: unknown) => {
      const res = await api(method, body, bearer());
      const text = await res.text();
      expect(text).not.toContain(marker);
      return { status: res.status, error: (JSON.parse(text) as { error: { details: { path: string; message: string }[] } }).error };
    };
    let r = await bad('profiles.storeSecret', { name: 'acme', kind: 'pin', secret: marker });
    expect(r.status).toBe(400);
    expect(r.error.details).toEqual([expect.objectContaining({ path: 'kind', message: expect.stringContaining('password, private_key') })]);
    r = await bad('profiles.storeSecret', { name: 'acme', kind: 'password', secret: marker, keychain: { service: 'other-app', account: 'x' } });
    expect(r.error.details).toEqual([{ path: '(request)', message: 'unknown field "keychain"' }]);
    r = await bad('profiles.storeSecret', { name: 'acme', kind: 'password', secret: marker.repeat(1000) });
    expect(r.error.details).toEqual([expect.objectContaining({ path: 'secret', message: expect.stringContaining('16384') })]);
    r = await bad('profiles.storeSecret', { name: 'Not A Name', kind: 'password', secret: marker });
    expect(r.error.details.map((d) => d.path)).toContain('name');
    r = await bad('deploy.apply', { planId: '../../x' });
    expect(r.status).toBe(400);
    expect(r.error.details).toEqual([expect.objectContaining({ path: 'planId' })]);
    r = await bad('deploy.check', { profile: 'local', extra: 1 });
    expect(r.error.details).toEqual([{ path: '(request)', message: 'unknown field "extra"' }]);
    r = await bad('profiles.template', { kind: 'gcp' });
    expect(r.error.details).toEqual([expect.objectContaining({ path: 'kind' })]);
  });

  it('validates the PII calls, naming the field, and keeps a reveal to the tab (session) that made it', async () => {
    const status = async (s: string) => ((await (await api('pii.status', {}, bearer(s))).json()) as { result: { revealed: boolean } }).result.revealed;
    let res = await api('pii.reveal', {}, bearer());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: unknown[] } }).error.details).toEqual([{ path: '(request)', message: 'missing field "confirm"' }]);
    res = await api('pii.reveal', { confirm: 'yes' }, bearer());
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details).toContainEqual({ path: 'confirm', message: 'must be true' });
    expect((await api('pii.hide', { session: 'other' }, bearer())).status).toBe(400);
    const other = await sessionFor(server.newLink());
    expect((await api('pii.reveal', { confirm: true }, bearer())).status).toBe(200);
    expect(await status(session)).toBe(true);
    expect(await status(other)).toBe(false);
    expect((await api('pii.hide', {}, bearer())).status).toBe(200);
    expect(await status(session)).toBe(false);
  });

  it('refuses check and deploy on a profile of kind local, saying what they are for', async () => {
    const res = await api('deploy.check', { profile: 'local' }, bearer());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/kind local: it runs on this machine and has nothing to check or deploy/);
    expect((await api('deploy.apply', { planId: '0123456789abcdef' }, bearer())).status).toBe(404);
  });

  it('rejects run ids that are not run ids before touching the file system', async () => {
    const res = await api('runs.get', { runId: '../../etc' }, bearer());
    expect(res.status).toBe(400);
  });
});
