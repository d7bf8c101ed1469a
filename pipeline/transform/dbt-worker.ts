// A dbt Python process (dbt_worker.py) started ahead of its build: the app keeps one between runs,
// so an edit-run loop pays dbt's ~3 s of imports once; `claims run` starts one with the run, so the
// imports overlap the stages before the transform, and stops it when the invocation ends. Builds
// take turns; a cancelled build takes the process with it (a dbt interrupted mid-build is not
// trusted with the next one); an idle process stops by itself, and its owner stops it on close.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { DBT_PROCESS_ENV, dbtPython, lineSplitter, ROOT, type DbtExit, type DbtInvocation, type DbtInvoker } from './dbt-process.ts';
import { TransformerNotInstalledError } from './types.ts';

const WORKER_SCRIPT = join(ROOT, 'pipeline', 'transform', 'dbt_worker.py');
const DONE_LINE = '{"dbt_worker":';
/** how long a cancelled build may take to answer SIGINT before the process is killed */
const CANCEL_GRACE_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const STDERR_KEPT = 4_000;

interface Build {
  invocation: DbtInvocation;
  stderr: string;
  cancelled: boolean;
  settle: (outcome: { exit: DbtExit } | { error: Error }) => void;
}

export interface DbtWorkerOptions {
  /** stop after this long without a build (default 15 minutes: a Python process holding dbt is ~300 MB) */
  idleMs?: number;
}

export class DbtWorker implements DbtInvoker {
  private child: ChildProcessWithoutNullStreams | null = null;
  private current: Build | null = null;
  private turn: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  constructor(options: DbtWorkerOptions = {}) {
    this.idleMs = options.idleMs ?? 15 * 60_000;
  }

  /** the process's id while it runs */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process ahead of its first build, so dbt's imports overlap the stages before the transform. */
  warm(): void {
    try {
      if (!this.child) this.start();
    } catch (err) {
      // dbt not installed: the transform stage reports it, and the stages before it still run
      if (!(err instanceof TransformerNotInstalledError)) throw err;
      return;
    }
    this.idleAfterwards();
  }

  invoke(invocation: DbtInvocation): Promise<DbtExit> {
    const build = this.turn.then(() => this.run(invocation));
    this.turn = build.catch(() => undefined);
    return build;
  }

  /** Stops the process (it ends when its stdin closes; killed if it does not within a few seconds). */
  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(dbtPython(), ['-u', WORKER_SCRIPT], { cwd: ROOT, env: { ...process.env, ...DBT_PROCESS_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.on(
      'data',
      lineSplitter((line) => {
        const build = this.current;
        if (!build) return;
        if (line.startsWith(DONE_LINE)) {
          const done = (JSON.parse(line) as { dbt_worker: { success: boolean; error: string | null } }).dbt_worker;
          build.settle({ exit: { code: done.success ? 0 : done.error ? 2 : 1, detail: [done.error ?? '', build.stderr].join(' ').trim() } });
        } else {
          build.invocation.onLine(line);
        }
      }),
    );
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.current) this.current.stderr = (this.current.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    // a broken pipe shows up as the process's exit below
    child.stdin.on('error', () => undefined);
    const gone = (why: string) => {
      if (this.child === child) this.child = null;
      const build = this.current;
      if (!build) return;
      if (build.cancelled) build.settle({ exit: { code: 130, detail: 'cancelled' } });
      else build.settle({ error: new Error(`the dbt process ${why} during the build${build.stderr ? `: ${build.stderr.trim().slice(-1500)}` : ''}`) });
    };
    child.on('error', (err) => gone(`could not run (${err.message})`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    return child;
  }

  private async run(invocation: DbtInvocation): Promise<DbtExit> {
    clearTimeout(this.idleTimer);
    const child = this.child ?? this.start();
    let killTimer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<{ exit: DbtExit } | { error: Error }>((settle) => {
      const onAbort = () => {
        build.cancelled = true;
        // dbt answers SIGINT by cancelling its queries and returning from the build
        child.kill('SIGINT');
        killTimer = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS);
      };
      const build: Build = {
        invocation,
        stderr: '',
        cancelled: false,
        settle: (o) => {
          invocation.signal?.removeEventListener('abort', onAbort);
          this.current = null;
          settle(o);
        },
      };
      this.current = build;
      if (invocation.signal?.aborted) return onAbort();
      invocation.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.write(`${JSON.stringify({ args: invocation.args, cwd: invocation.cwd, env: invocation.env })}\n`);
    });
    clearTimeout(killTimer);
    if (invocation.signal?.aborted) await this.stop();
    else this.idleAfterwards();
    if ('error' in outcome) throw outcome.error;
    return outcome.exit;
  }

  private idleAfterwards(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stop(), this.idleMs);
    this.idleTimer.unref();
  }
}
