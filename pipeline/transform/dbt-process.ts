// How a `dbt build` command line gets run: as a one-shot dbt process (any run's default), or by a
// dbt process started ahead of the build (dbt-worker.ts: the app's, or `claims run`'s). Both print
// dbt's JSON log line by line, so DbtTransformer reads the build the same way whichever ran it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformerNotInstalledError } from './types.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = join(ROOT, '.venv');

/** Every dbt process: no telemetry (its endpoint is unreachable here and dbt waits on it), and lines as they come. */
export const DBT_PROCESS_ENV = { DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', PYTHONUNBUFFERED: '1' };

export interface DbtInvocation {
  /** the dbt command line after the executable */
  args: string[];
  cwd: string;
  /** the variables of this build, over the process's own environment */
  env: Record<string, string>;
  signal?: AbortSignal;
  /** each line dbt prints (JSON with --log-format json) */
  onLine: (line: string) => void;
}

export interface DbtExit {
  /** dbt's exit code: 0 success, 1 nodes failed, 2 dbt itself failed */
  code: number;
  /** what dbt said outside its log (stderr, an exception), for a build that ran nothing */
  detail: string;
}

export interface DbtInvoker {
  invoke(invocation: DbtInvocation): Promise<DbtExit>;
}

function venvBin(name: string): string {
  const bin = join(VENV, process.platform === 'win32' ? `Scripts/${name}.exe` : `bin/${name}`);
  if (!existsSync(bin)) throw new TransformerNotInstalledError(`dbt is not installed in ${VENV}: run \`npm run setup\` first.`);
  return bin;
}

export const dbtExecutable = (): string => venvBin('dbt');
export const dbtPython = (): string => venvBin('python');

/** Splits a stream into lines, keeping a partial last line until its end arrives. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.toString('utf8');
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
  };
}

/** `dbt` as a child process per build; cancelling sends it SIGINT, which dbt answers by cancelling its queries. */
export const oneShotDbt: DbtInvoker = {
  invoke(i: DbtInvocation): Promise<DbtExit> {
    const executable = dbtExecutable();
    return new Promise((resolvePromise, reject) => {
      const child = spawn(executable, i.args, { cwd: i.cwd, env: { ...process.env, ...i.env, ...DBT_PROCESS_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
      const stderr: string[] = [];
      const onAbort = () => child.kill('SIGINT');
      i.signal?.addEventListener('abort', onAbort);
      child.stdout.on('data', lineSplitter(i.onLine));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (exit) => {
        i.signal?.removeEventListener('abort', onAbort);
        resolvePromise({ code: exit ?? 1, detail: stderr.join('') });
      });
    });
  },
};
