// How `claims ui link` finds a running web-mode server and proves it may ask for a new link: each
// server writes <workspace>/.ui/server-<port>.json, readable by its owner only (0600), holding its
// address and a link secret. Whoever can read that file could already read the workspace itself.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../run/lock.ts';

/** the request header `claims ui link` proves itself with */
export const LINK_SECRET_HEADER = 'x-claims-link-secret';

export interface UiServerFile {
  pid: number;
  port: number;
  url: string;
  linkSecret: string;
  startedAt: string;
}

const dirOf = (workspace: string) => join(workspace, '.ui');
const fileOf = (workspace: string, port: number) => join(dirOf(workspace), `server-${port}.json`);

export function writeUiServerFile(workspace: string, entry: Omit<UiServerFile, 'linkSecret' | 'startedAt' | 'pid'>): UiServerFile {
  mkdirSync(dirOf(workspace), { recursive: true, mode: 0o700 });
  const file: UiServerFile = { ...entry, pid: process.pid, linkSecret: randomBytes(32).toString('base64url'), startedAt: new Date().toISOString() };
  // created with 0600 from the start: there is no moment when the secret is readable by others
  writeFileSync(fileOf(workspace, entry.port), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  return file;
}

export function removeUiServerFile(workspace: string, port: number): void {
  rmSync(fileOf(workspace, port), { force: true });
}

/** Servers of this workspace whose process is alive; files left by dead ones are removed. */
export function runningUiServers(workspace: string): UiServerFile[] {
  const dir = dirOf(workspace);
  if (!existsSync(dir)) return [];
  const out: UiServerFile[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^server-\d+\.json$/.test(name)) continue;
    let entry: UiServerFile;
    try {
      entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as UiServerFile;
    } catch {
      continue;
    }
    if (isAlive(entry.pid)) out.push(entry);
    else rmSync(join(dir, name), { force: true });
  }
  return out.sort((a, b) => a.port - b.port);
}
