import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What holds a workspace: a pipeline run writes the lake and the warehouse; generating writes generated/. */
export type LockKind = 'run' | 'generate' | 'settle';

export interface LockHolder {
  pid: number;
  kind: LockKind;
  /** for people: "claims run batch 3" */
  what: string;
  since: string;
}

/** Another process holds the workspace. */
export class WorkspaceBusyError extends Error {
  constructor(
    readonly root: string,
    readonly holder: LockHolder,
  ) {
    super(`Workspace ${root} is busy: ${holder.what} (pid ${holder.pid}) since ${holder.since}. Wait for it, or cancel it (claims runs / Ctrl-C).`);
    this.name = 'WorkspaceBusyError';
  }
}

const pause = () => new Promise((r) => setTimeout(r, 50));
const lockFile = (root: string) => join(root, '.lock');

/**
 * Whether a process lives (EPERM: alive, but not ours to signal). A process that has exited but is
 * not yet reaped by its parent (a zombie) still answers kill(pid, 0), so on Linux its state is read
 * from /proc too.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is the answer
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.what !== 'string') return null;
    // locks written before kinds existed said what they were only in words
    return { pid: h.pid, what: h.what, since: String(h.since ?? ''), kind: h.kind ?? (/\brun\b/.test(h.what) ? 'run' : 'generate') };
  } catch {
    return null;
  }
}

/** The live process holding the workspace, if any (a lock left by a dead one holds nothing). */
export function workspaceHolder(root: string): LockHolder | null {
  const path = lockFile(root);
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const holder = parseHolder(text);
  return holder && isAlive(holder.pid) ? holder : null;
}

/** One run per workspace at a time: the DuckDB warehouse and the lake commit are single-writer. */
export async function lockWorkspace(root: string, kind: LockKind, what: string): Promise<() => Promise<void>> {
  await mkdir(root, { recursive: true });
  const path = lockFile(root);
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, kind, what, since: new Date().toISOString() } satisfies LockHolder));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readFile(path, 'utf8').then(parseHolder, () => null);
      if (holder && isAlive(holder.pid)) {
        // settling interrupted runs holds the lock for milliseconds: wait for it rather than refuse
        if (holder.kind === 'settle') {
          await pause();
          continue;
        }
        throw new WorkspaceBusyError(root, holder);
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
    unlock = await lockWorkspace(root, 'settle', 'settling interrupted runs');
  } catch (err) {
    if (err instanceof WorkspaceBusyError) return undefined;
    throw err;
  }
  try {
    return await fn();
  } finally {
    await unlock();
  }
}
