// The emulator's controller and its CLI on a workspace of their own (not the shared test emulator,
// which must outlive this file): concurrent starts share one supervisor, start is idempotent, stop
// ends the supervisor and its servers by process id.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp.ts';
import { emulatorStatus, startEmulator, stopEmulator } from './controller.ts';
import { isAlive as alive } from '../run/lock.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'claims.mjs');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

function cli(...args: string[]): { status: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'emulator', ...args, '--json'], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  return { status: r.status, json: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : {}, stderr: r.stderr };
}

describe('claims emulator start|status|stop', () => {
  it('starts one emulator for concurrent callers, reuses it, and stops it with its servers', async () => {
    const { dir: workspace, cleanup } = await tempDir('claims-emulator-ctl-');
    cleanups.push(async () => {
      await stopEmulator(workspace);
      await cleanup();
    });
    expect(await emulatorStatus(workspace)).toMatchObject({ running: false, reason: 'not started' });

    const [a, b] = await Promise.all([startEmulator(workspace, { ownerPid: process.pid }), startEmulator(workspace, { ownerPid: process.pid })]);
    expect(a.pid).toBe(b.pid);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    expect(a.stateDir).toBe(join(workspace, 'emulator'));
    const servers = Object.values(a.servers).map((s) => s.pid!);
    expect(servers.every(alive)).toBe(true);

    const status = cli('status', '--workspace', workspace);
    expect(status.json).toMatchObject({ running: true, info: { pid: a.pid, endpoints: a.endpoints } });
    const again = cli('start', '--workspace', workspace);
    expect(again.status).toBe(0);
    expect(again.json).toMatchObject({ pid: a.pid, started: false });

    const stop = cli('stop', '--workspace', workspace);
    expect(stop.json).toEqual({ stopped: true, pid: a.pid });
    expect(alive(a.pid)).toBe(false);
    expect(servers.filter(alive)).toEqual([]);
    expect(existsSync(join(workspace, 'emulator', 'emulator.json'))).toBe(false);
    expect(await emulatorStatus(workspace)).toMatchObject({ running: false, reason: 'not started' });
    expect(await stopEmulator(workspace)).toEqual({ stopped: false, reason: 'not started' });
  });
});
