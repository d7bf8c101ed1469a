import { open, readFile, rm, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SETTLING = 'settling interrupted runs';
const pause = () => new Promise((r) => setTimeout(r, 50));

/** One run per workspace at a time: the DuckDB warehouse and the lake commit are single-writer. */
export async function lockWorkspace(root: string, what: string): Promise<() => Promise<void>> {
  await mkdir(root, { recursive: true });
  const path = join(root, '.lock');
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readFile(path, 'utf8').then((t) => JSON.parse(t) as { pid: number; what: string; since: string }).catch(() => null);
      if (holder && isAlive(holder.pid)) {
        // settling interrupted runs holds the lock for milliseconds: wait for it rather than refuse
        if (holder.what === SETTLING) {
          await pause();
          continue;
        }
        throw new Error(`Workspace ${root} is busy: ${holder.what} (pid ${holder.pid}) since ${holder.since}. Wait for it, or cancel it (claims runs / Ctrl-C).`);
      }
      // an unreadable lock written a moment ago is one being written right now
      if (!holder && Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? 0) < 2000) {
        await pause();
        continue;
      }
      await rm(path, { force: true }); // the holder died: the lock is stale
    }
  }
  throw new Error(`Could not lock workspace ${root}`);
}

/** Runs fn holding the workspace lock, or returns undefined at once if another process holds it. */
export async function whenIdle<T>(root: string, fn: () => Promise<T>): Promise<T | undefined> {
  let unlock: () => Promise<void>;
  try {
    unlock = await lockWorkspace(root, SETTLING);
  } catch (err) {
    if (/is busy/.test((err as Error).message)) return undefined;
    throw err;
  }
  try {
    return await fn();
  } finally {
    await unlock();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
