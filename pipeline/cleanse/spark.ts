import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputFileError } from '../ingest/inspect.ts';
import { zones } from '../lake/types.ts';
import type { CleanseEngine, CleanseRequest, CuratedManifest } from './types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SparkCleanseOptions {
  /** worker threads of the local Spark (local[N]) */
  cores?: number;
  /** JVM heap of the local Spark driver, e.g. 2g */
  driverMemory?: string;
  /** the Python to run (default: the project's .venv) */
  python?: string;
  /** extra environment for the job */
  env?: Record<string, string>;
}

/** One line the job writes on stdout (glue/hfc_glue/job_log.py). */
interface JobEvent {
  level: 'info' | 'warn' | 'error';
  event: 'log' | 'progress' | 'committed' | 'failed';
  message?: string;
  hint?: string;
  error?: string;
  dataset?: string;
  step?: string;
  fraction?: number;
  file?: string;
  line?: number | null;
  problem?: string;
  [field: string]: unknown;
}

const KILL_GRACE_MS = 5_000;

/**
 * The cleanse stage on local PySpark: runs Glue job 1's own script (glue/jobs/cleanse.py) on the
 * project's Python against the workspace lake, as a process group of its own. Its JSON lines become
 * the stage's progress and log; the manifest it committed is the result; an abort stops the whole
 * group (the Python driver and its JVM) and the next run recovers what was staged.
 */
export class SparkCleanseEngine implements CleanseEngine {
  readonly name = 'spark';

  constructor(private readonly options: SparkCleanseOptions = {}) {}

  async cleanse(req: CleanseRequest): Promise<CuratedManifest> {
    const python = this.options.python ?? join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
    if (!existsSync(python)) throw new Error(`The Spark cleanse engine needs the project's Python environment (${python} is missing): run npm run setup.`);
    req.signal?.throwIfAborted();
    const args = [
      join(ROOT, 'glue', 'jobs', 'cleanse.py'),
      '--lake', req.lake.uri(''),
      '--batch', String(req.batch),
      '--cores', String(this.options.cores ?? 2),
      '--driver_memory', this.options.driverMemory ?? '2g',
    ];
    const child = spawn(python, args, {
      cwd: ROOT,
      detached: true, // a process group of its own, so an abort reaches the JVM too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYTHONUNBUFFERED: '1', ...this.options.env },
    });
    let failure: JobEvent | undefined;
    let stderrTail = '';
    let pending = '';
    const onLine = (line: string) => {
      if (!line.startsWith('{')) return;
      let e: JobEvent;
      try {
        e = JSON.parse(line) as JobEvent;
      } catch {
        return;
      }
      if (e.event === 'progress' && e.dataset && e.step) req.onProgress?.({ dataset: e.dataset, step: e.step, fraction: Number(e.fraction ?? 0) });
      // the stage logs each dataset's counts from the manifest itself; the job's own count lines are left out
      else if (e.event === 'log' && e.message && e.quarantine === undefined) {
        const { ts: _ts, level: _level, job: _job, event: _event, message, ...fields } = e;
        req.log?.(message, fields);
      } else if (e.event === 'failed') failure = e;
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-8_000)));

    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      process.kill(-child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.exitCode === null && child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    req.signal?.addEventListener('abort', stop);
    try {
      const code = await new Promise<number | null>((resolvePromise, reject) => {
        child.on('error', reject);
        child.on('close', (exit) => resolvePromise(exit));
      });
      if (pending) onLine(pending);
      if (req.signal?.aborted) throw new Error('Cleanse cancelled; nothing was committed (the next run clears what the Spark job staged).', { cause: req.signal.reason });
      if (failure?.error === 'InputFileError' && failure.file && failure.problem) {
        throw new InputFileError(failure.file, failure.line ?? null, failure.problem, failure.hint ?? '');
      }
      if (failure) throw new Error(failure.message ?? 'the Spark cleanse job failed');
      if (code !== 0) {
        const lastLines = stderrTail.trim().split('\n').slice(-12).join('\n');
        throw new Error(`The Spark cleanse job (${args[0]}) exited with code ${code}:\n${lastLines}`);
      }
    } finally {
      req.signal?.removeEventListener('abort', stop);
      if (killTimer) clearTimeout(killTimer);
    }
    const text = await req.lake.getText(zones.curatedManifest(req.batch));
    if (!text) throw new Error(`The Spark cleanse job succeeded but ${zones.curatedManifest(req.batch)} is missing in ${req.lake.root}.`);
    return JSON.parse(text) as CuratedManifest;
  }
}
