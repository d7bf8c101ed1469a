// The IPC bridge's checks. Electron's binary cannot run on every machine that runs the tests, so
// ipcMain is stood in for by a recorder with the same handle/removeHandler shape; the service
// behind it is the real one. The Electron smoke test (e2e/electron.e2e.ts) covers the real thing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp.ts';
import type { EventBatch } from '../protocol.ts';
import { bridgeIpc, IPC_CALL, type IpcMainLike } from './ipc.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';

type Handler = Parameters<IpcMainLike['handle']>[1];
const APP = 'file:///opt/claims/dist/renderer/index.html';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;
const handlers = new Map<string, Handler>();
const sent: EventBatch[] = [];
let stop: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-ipc-'));
  service = createClaimsService({ workspace: dir, log: () => {} });
  const ipcMain: IpcMainLike = { handle: (channel, h) => void handlers.set(channel, h), removeHandler: (channel) => void handlers.delete(channel) };
  stop = bridgeIpc(ipcMain, service, { isTrustedSender: (url) => url.split('#')[0] === APP, send: (b) => sent.push(b) });
});

afterAll(async () => {
  stop();
  await service.close();
  await cleanup();
});

const invoke = (url: string | null, method: unknown, payload: unknown, window = 1) => handlers.get(IPC_CALL)!({ senderFrame: url === null ? null : { url }, sender: { id: window } }, method, payload);

describe('IPC bridge', () => {
  it('answers calls from the app page, whatever view it is on', async () => {
    await expect(invoke(`${APP}#/data`, 'app.info', {})).resolves.toMatchObject({ ok: true, result: { stages: expect.any(Array) } });
  });

  it('refuses calls from any other frame', async () => {
    await expect(invoke('https://example.com/', 'app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await expect(invoke(null, 'app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('validates the method name and the payload', async () => {
    await expect(invoke(APP, 'process.exit', {})).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
    await expect(invoke(APP, { toString: () => 'app.info' }, {})).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
    await expect(invoke(APP, 'sql.query', { sql: 'select 1', extra: true })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ message: 'unknown field "extra"' }] } });
  });

  it('validates the new payloads (secrets, check, deploy, compare) as HTTP does, naming the field', async () => {
    await expect(invoke(APP, 'profiles.storeSecret', { name: 'acme', kind: 'password' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ message: 'missing field "secret"' }] } });
    await expect(invoke(APP, 'profiles.storeSecret', { name: 'acme', kind: 'token', secret: 'x' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'kind' }] } });
    await expect(invoke(APP, 'profiles.storeSecret', { name: 'acme', kind: 'password', secret: '' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'secret' }] } });
    await expect(invoke(APP, 'deploy.plan', { profile: 'Bad Name' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'profile' }] } });
    await expect(invoke(APP, 'deploy.apply', { planId: 12 })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'planId' }] } });
    await expect(invoke(APP, 'profiles.template', {})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ message: 'missing field "kind"' }] } });
    await expect(invoke(APP, 'compare.runs', { profiles: ['local'] })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'profiles' }] } });
    await expect(invoke(APP, 'compare.runs', { profiles: ['local', 'local'] })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'profiles' }] } });
    await expect(invoke(APP, 'compare.runs', { batch: 0 })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'batch' }] } });
    // a valid one on a workspace without runs: nothing to compare yet, said as such
    await expect(invoke(APP, 'compare.runs', {})).resolves.toMatchObject({ ok: true, result: { available: false, reason: expect.stringMatching(/^Nothing to compare yet/) } });
  });

  it('validates the PII calls as HTTP does, and keeps a reveal to the window that made it', async () => {
    await expect(invoke(APP, 'pii.reveal', {})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ message: 'missing field "confirm"' }] } });
    await expect(invoke(APP, 'pii.reveal', { confirm: false })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'confirm' }] } });
    await expect(invoke(APP, 'pii.hide', { all: true })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ message: 'unknown field "all"' }] } });
    await expect(invoke(APP, 'pii.status', {}, 7)).resolves.toMatchObject({ ok: true, result: { revealed: false } });
    await expect(invoke(APP, 'pii.reveal', { confirm: true }, 7)).resolves.toMatchObject({ ok: true, result: { revealed: true } });
    await expect(invoke(APP, 'pii.status', {}, 7)).resolves.toMatchObject({ ok: true, result: { revealed: true } });
    await expect(invoke(APP, 'pii.status', {}, 8)).resolves.toMatchObject({ ok: true, result: { revealed: false } });
    await expect(invoke(APP, 'pii.hide', {}, 7)).resolves.toMatchObject({ ok: true, result: { revealed: false } });
    await expect(invoke(APP, 'history.timeline', { entity: 'member', id: 'a b' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path: 'id' }] } });
  });

  it('refuses the names of built-in object members as profile names, as HTTP does', async () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      await expect(invoke(APP, 'profiles.activate', { name })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      await expect(invoke(APP, 'runs.start', { batch: 1, profile: name })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
  });

  it('forwards event batches to the window and unregisters on stop', async () => {
    await invoke(APP, 'profiles.activate', { name: 'local' });
    await new Promise((r) => setTimeout(r, 150));
    expect(sent.flat()).toContainEqual({ kind: 'workspace.changed', what: 'profiles' });
  });
});
