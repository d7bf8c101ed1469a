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
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
}
