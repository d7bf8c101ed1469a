// vitest global setup: gives the run a folder where the first AWS test file records the moto
// server it started (moto-server.ts), and stops that server when the run ends.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOTO_DIR_ENV } from './moto-server.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'claims-moto-'));
  process.env[MOTO_DIR_ENV] = dir;
  return async () => {
    const text = await readFile(join(dir, 'server.json'), 'utf8').catch(() => null);
    const pid = text ? (JSON.parse(text) as { pid?: number }).pid : undefined;
    if (pid) await stop(pid);
    await rm(dir, { recursive: true, force: true });
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, a few seconds to exit, then SIGKILL: the run ends with no server left behind. */
async function stop(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}
