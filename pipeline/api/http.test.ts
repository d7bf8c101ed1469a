// The web transport's gatekeeping: every HTTP request and WebSocket upgrade needs the launch token,
// Host and Origin must be the app's own, and payloads are validated before the service runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../testing/tmp.ts';
import type { EventBatch } from './contract.ts';
import { startUiServer, type UiServer } from './http.ts';
import { createClaimsService, type ClaimsService } from './service.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;
let server: UiServer;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-http-'));
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  service = createClaimsService({ workspace: join(dir, 'ws'), log: () => {} });
  server = await startUiServer({ service, staticDir });
});

afterAll(async () => {
  await server.close();
  await service.close();
  await cleanup();
});

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), redirect: 'manual' });
const bearer = () => ({ authorization: `Bearer ${server.token}` });

describe('token', () => {
  it('binds to 127.0.0.1 with a random token per launch', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    expect(server.launchUrl).toBe(`${server.url}?token=${server.token}`);
  });

  it('rejects API calls without the token, or with a wrong one', async () => {
    const none = await api('app.info', {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    // one character off (and never by chance the same character)
    const wrongToken = `${server.token.slice(0, -1)}${server.token.endsWith('x') ? 'y' : 'x'}`;
    expect(wrongToken).not.toBe(server.token);
    const wrong = await api('app.info', {}, { authorization: `Bearer ${wrongToken}` });
    expect(wrong.status).toBe(401);
  });

  it('rejects the page itself without the token', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('launch URL');
    const wrong = await fetch(`${server.url}?token=nope`, { redirect: 'manual' });
    expect(wrong.status).toBe(401);
  });

  it('trades the launch URL for an HttpOnly, SameSite=Strict cookie that then works', async () => {
    const res = await fetch(server.launchUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    const page = await fetch(server.url, { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const info = await api('app.info', {}, { cookie: pair });
    expect(info.status).toBe(200);
  });

  it('accepts the token as a Bearer header', async () => {
    const res = await api('app.info', {}, bearer());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; result: { stages: string[] } };
    expect(body.ok).toBe(true);
    expect(body.result.stages).toEqual(expect.arrayContaining(['generate', 'ingest', 'cleanse', 'load', 'verify']));
  });

  it('refuses another Host (DNS rebinding) and another Origin (cross-site) even with the token', async () => {
    const host = await new Promise<number>((resolve) => {
      // fetch does not let a caller set Host; a raw request does
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/api/app.info', method: 'POST', headers: { host: `evil.example:${server.port}`, ...bearer(), 'content-type': 'application/json' } }, (res) => resolve(res.statusCode ?? 0));
        req.end('{}');
      });
    });
    expect(host).toBe(401);
    const origin = await api('app.info', {}, { ...bearer(), origin: 'http://evil.example' });
    expect(origin.status).toBe(401);
  });
});

describe('WebSocket events', () => {
  const connect = (headers: Record<string, string>) => new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers });

  it('refuses an upgrade without the token', async () => {
    const ws = connect({});
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('refuses an upgrade from another origin', async () => {
    const ws = connect({ ...bearer(), origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('streams event batches to an authorised client', async () => {
    const ws = connect(bearer());
    await new Promise((resolve) => ws.on('open', resolve));
    const got = new Promise<EventBatch>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)) as EventBatch)));
    expect((await api('profiles.activate', { name: 'local' }, bearer())).status).toBe(200);
    expect(await got).toContainEqual({ kind: 'workspace.changed', what: 'profiles' });
    ws.close();
  });
});

describe('payload validation', () => {
  it('answers 404 for an unknown method and 400 for a non-JSON body', async () => {
    expect((await api('nope.nothing', {}, bearer())).status).toBe(404);
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

  it('names the generator option that is out of range', async () => {
    const res = await api('generate.start', { seed: 1, members: 5, providers: 60, claims: 100, batch: 1, dirtyRate: 0 }, bearer());
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: unknown } };
    expect(error.details).toEqual([{ path: 'members', message: expect.stringContaining('between 10 and') }]);
  });

  it('rejects run ids that are not run ids before touching the file system', async () => {
    const res = await api('runs.get', { runId: '../../etc' }, bearer());
    expect(res.status).toBe(400);
  });
});
