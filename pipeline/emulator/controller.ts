// Start, status and stop of the cloud emulator of a workspace, for the CLI, the app and the tests.
// The emulator is one supervisor process (python -m claims_emulator serve) owning the servers; its
// state folder is <workspace>/emulator and its record there (emulator.json) says where it answers.
// Everything here goes by that record's process id: nothing is found or stopped by name.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive as alive } from '../run/lock.ts';
import { workspacePaths } from '../workspace.ts';
import { allAnswer } from './probe.ts';
import { readEmulatorRecord, type EmulatorInfo } from './record.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** exit code of `serve` when another supervisor holds the state folder */
const EXIT_ALREADY_RUNNING = 3;
const POLL_MS = 200;

export interface StartOptions {
  /** stop after this long without a request to any server (default: the supervisor's 30 minutes) */
  idleTimeoutSeconds?: number;
  /** the longest a Snowflake statement may run (default: the supervisor's 120 s) */
  statementTimeoutSeconds?: number;
  /** the emulator stops when this process exits (a test run) */
  ownerPid?: number;
  /** how long to wait for every server to answer (default 90 s) */
  readyTimeoutMs?: number;
  /**
   * Snowflake users whose password the emulator checks at login (any other user logs in with any
   * password, as fakesnow does). Given to the supervisor in its environment, never on a command line
   * or in a file; only a start that launches the emulator uses them.
   */
  snowflakeUsers?: Record<string, string>;
}

export type EmulatorStatus = { running: true; info: EmulatorInfo } | { running: false; stateDir: string; reason: string };

export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export const emulatorStateDir = (workspace: string): string => workspacePaths(workspace).emulator;

function pythonExecutable(): string {
  const python = join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  if (!existsSync(python)) throw new EmulatorError(`The Python environment is missing (${python}): run \`npm run setup\` first.`);
  return python;
}

async function logTail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** What the record says, without asking the servers (a status check does not keep the emulator awake). */
export async function emulatorStatus(workspace: string): Promise<EmulatorStatus> {
  const stateDir = emulatorStateDir(workspace);
  const info = await readEmulatorRecord(stateDir);
  if (!info) return { running: false, stateDir, reason: 'not started' };
  if (!alive(info.pid)) return { running: false, stateDir, reason: `not running (its record names process ${info.pid}, which has exited)` };
  return { running: true, info };
}

async function waitUntilServing(stateDir: string, deadline: number, accept: (info: EmulatorInfo) => boolean): Promise<EmulatorInfo | null> {
  while (Date.now() < deadline) {
    const info = await readEmulatorRecord(stateDir);
    if (info && alive(info.pid) && accept(info) && (await allAnswer(info.endpoints, 2_000))) return info;
    await sleep(POLL_MS);
  }
  return null;
}

/**
 * The workspace's emulator, started if it is not running: returns once every endpoint answers,
 * within `readyTimeoutMs`. Safe to call from several processes at once: one supervisor wins the
 * state folder and the others wait for it.
 */
export async function startEmulator(workspace: string, options: StartOptions = {}): Promise<EmulatorInfo & { started: boolean }> {
  const stateDir = emulatorStateDir(workspace);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  const current = await emulatorStatus(workspace);
  if (current.running) {
    const info = await waitUntilServing(stateDir, deadline, (i) => i.pid === current.info.pid);
    if (info) return { ...info, started: false };
    throw new EmulatorError(`The emulator (process ${current.info.pid}) runs but its servers do not answer; see ${current.info.log}`);
  }

  mkdirSync(stateDir, { recursive: true });
  const out = join(stateDir, 'supervisor.out');
  const args = ['-m', 'claims_emulator', 'serve', '--state', stateDir];
  if (options.idleTimeoutSeconds !== undefined) args.push('--idle-timeout', String(options.idleTimeoutSeconds));
  if (options.statementTimeoutSeconds !== undefined) args.push('--statement-timeout', String(options.statementTimeoutSeconds));
  if (options.ownerPid !== undefined) args.push('--owner-pid', String(options.ownerPid));
  const fd = openSync(out, 'a');
  let exit: number | null = null;
  let child;
  try {
    // detached: the emulator outlives the command that started it (claims emulator start)
    child = spawn(pythonExecutable(), args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, PYTHONPATH: join(ROOT, 'emulator'), ...(options.snowflakeUsers ? { CLAIMS_EMULATOR_SNOWFLAKE_USERS: JSON.stringify(options.snowflakeUsers) } : {}) },
    });
  } finally {
    closeSync(fd);
  }
  child.on('exit', (code, signal) => {
    exit = code ?? (signal ? 128 : 1);
  });
  child.unref();
  const pid = child.pid;

  while (Date.now() < deadline) {
    if (exit !== null && exit !== EXIT_ALREADY_RUNNING) {
      throw new EmulatorError(`The emulator did not start (exit code ${exit}):\n${await logTail(out)}\n${await logTail(join(stateDir, 'emulator.log'))}`);
    }
    // ours, or (exit 3) the one a concurrent start launched
    const info = await waitUntilServing(stateDir, Math.min(deadline, Date.now() + 1_000), (i) => i.pid === pid || exit === EXIT_ALREADY_RUNNING);
    if (info) return { ...info, started: info.pid === pid };
  }
  if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGTERM');
  throw new EmulatorError(`The emulator did not answer within ${Math.round((options.readyTimeoutMs ?? 90_000) / 1000)} s:\n${await logTail(join(stateDir, 'emulator.log'))}`);
}

/** Stops the workspace's emulator (SIGTERM to the supervisor, which stops its servers); waits until it has exited. */
export async function stopEmulator(workspace: string, timeoutMs = 40_000): Promise<{ stopped: boolean; pid?: number; reason?: string }> {
  const status = await emulatorStatus(workspace);
  if (!status.running) return { stopped: false, reason: status.reason };
  const { pid, servers } = status.info;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(POLL_MS);
  if (alive(pid)) {
    // it did not stop in time: end it and its servers, each by its recorded pid
    process.kill(pid, 'SIGKILL');
    for (const server of Object.values(servers)) if (server.pid !== null && alive(server.pid)) process.kill(server.pid, 'SIGKILL');
  }
  return { stopped: true, pid };
}
