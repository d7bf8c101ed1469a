import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp.ts';
import { lockWorkspace, whenIdle } from './lock.ts';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir('claims-lock-'));
});
afterEach(async () => {
  await cleanup();
});

const holder = (pid: number, what: string) => writeFile(join(root, '.lock'), JSON.stringify({ pid, what, since: '2026-01-01T00:00:00.000Z' }));
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('the workspace lock', () => {
  it('is taken and released, recording who holds it', async () => {
    const unlock = await lockWorkspace(root, 'run', 'claims run batch 1');
    expect(JSON.parse(await readFile(join(root, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid, what: 'claims run batch 1' });
    await unlock();
    expect(existsSync(join(root, '.lock'))).toBe(false);
  });

  it('refuses while a live process holds it, naming the holder', async () => {
    await holder(process.pid, 'claims run batch 3');
    await expect(lockWorkspace(root, 'run', 'another run')).rejects.toThrow(`Workspace ${root} is busy: claims run batch 3 (pid ${process.pid}) since 2026-01-01T00:00:00.000Z.`);
  });

  it('takes over a lock whose process is gone', async () => {
    await holder(deadPid(), 'claims run batch 1');
    const unlock = await lockWorkspace(root, 'run', 'next run');
    expect(JSON.parse(await readFile(join(root, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid, what: 'next run' });
    await unlock();
  });

  it('waits for a settle of interrupted runs instead of refusing', async () => {
    let release!: () => void;
    const settling = whenIdle(root, () => new Promise<string>((r) => (release = () => r('settled'))));
    await new Promise((r) => setTimeout(r, 20));
    const run = lockWorkspace(root, 'run', 'a run');
    setTimeout(() => release(), 150);
    await expect(settling).resolves.toBe('settled');
    const unlock = await run;
    expect(JSON.parse(await readFile(join(root, '.lock'), 'utf8'))).toMatchObject({ what: 'a run' });
    await unlock();
  });

  it('lets a settle step aside while a run holds the workspace', async () => {
    const unlock = await lockWorkspace(root, 'run', 'a run');
    let called = false;
    await expect(whenIdle(root, async () => (called = true))).resolves.toBeUndefined();
    expect(called).toBe(false);
    await unlock();
  });

  it('does not take a lock that is being written this moment', async () => {
    await writeFile(join(root, '.lock'), '');
    const run = lockWorkspace(root, 'run', 'a run');
    await new Promise((r) => setTimeout(r, 100));
    await holder(process.pid, 'the run that created it');
    await expect(run).rejects.toThrow(/is busy: the run that created it/);
  });
});
