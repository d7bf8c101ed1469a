// Run records in the workspace:
//   <workspace>/runs/<runId>/run.json      the run's current state, replaced atomically
//   <workspace>/runs/<runId>/events.jsonl  one JSON line per event: the run's log

import { appendFileSync } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { redactSecrets } from './redact.ts';
import { runRecordSchema } from './run-schema.ts';
import type { RunEvent, RunOptions, RunRecord, RunStatus, RunTrigger, StageRecord } from './types.ts';

/** No run record for this id in the workspace. */
export class RunNotFoundError extends Error {
  constructor(
    readonly runId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RunNotFoundError';
  }
}

/** Another live process is writing this run (it joined it first). */
export class RunBusyError extends Error {
  constructor(
    readonly runId: string,
    readonly pid: number,
    readonly since: string,
  ) {
    super(`Run ${runId} is being written by another process (pid ${pid}, since ${since}); one invocation at a time may run its stages. Wait for it to finish.`);
    this.name = 'RunBusyError';
  }
}

/** The run exists but wrote no events (it failed before its first one). */
export class NoEventLogError extends Error {
  constructor(
    readonly runId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NoEventLogError';
  }
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const RUN_FILE = 'run.json';
const EVENTS_FILE = 'events.jsonl';
/** Held by the process running a joinable run's stages: { pid, since }. */
const CLAIM_FILE = '.claim';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYYYMMDD-HHMMSS-<6 hex>, in UTC, so that ids sort by start time. */
export function newRunId(now: Date = new Date()): string {
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
}

export const runsDir = (workspace: string) => join(workspace, 'runs');

/** The run's folder; the id is checked first because it arrives from CLI flags and API calls. */
export function runDir(workspace: string, runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new Error(`Invalid run id "${runId}": run ids look like 20250131-142501-a1b2c3.`);
  return join(runsDir(workspace), runId);
}

export interface NewRun {
  options: RunOptions;
  trigger: RunTrigger;
  stages: StageRecord[];
  resumedFrom?: string;
  /**
   * Create the run under this id, to be joined by later invocations (see RunRecord.joinable). Its
   * folder may exist already (claimRun makes it); a run.json in it may not.
   */
  joinAs?: string;
  now?: Date;
}

/** Creates the run's folder and its first run.json (status running). */
export async function createRun(workspace: string, init: NewRun): Promise<RunRecord> {
  const now = init.now ?? new Date();
  await mkdir(runsDir(workspace), { recursive: true });
  let runId = init.joinAs ?? newRunId(now);
  if (init.joinAs !== undefined) {
    await mkdir(runDir(workspace, runId), { recursive: true });
    if (await exists(join(runDir(workspace, runId), RUN_FILE))) throw new Error(`Run ${runId} exists already; join it instead of creating it.`);
  } else {
    // Two runs started in the same second share the prefix; a taken folder means draw again.
    for (let tries = 1; ; tries++) {
      try {
        await mkdir(runDir(workspace, runId));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 5) throw err;
        runId = newRunId(now);
      }
    }
  }
  const record: RunRecord = {
    runId,
    profile: init.options.profile,
    options: redactSecrets(init.options),
    batch: init.options.batch,
    status: 'running',
    trigger: init.trigger,
    ...(init.resumedFrom === undefined ? {} : { resumedFrom: init.resumedFrom }),
    ...(init.joinAs === undefined ? {} : { joinable: true }),
    startedAt: now.toISOString(),
    endedAt: null,
    seconds: null,
    stages: init.stages,
  };
  await saveRun(workspace, record);
  return record;
}

const exists = (path: string) => access(path).then(
  () => true,
  () => false,
);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding a run's claim, if any (a claim left by a dead process holds nothing). */
async function claimHolder(workspace: string, runId: string): Promise<{ pid: number; since: string } | null> {
  let holder: { pid?: unknown; since?: unknown };
  try {
    holder = JSON.parse(await readFile(join(runDir(workspace, runId), CLAIM_FILE), 'utf8')) as typeof holder;
  } catch {
    return null;
  }
  return typeof holder.pid === 'number' && isAlive(holder.pid) ? { pid: holder.pid, since: String(holder.since ?? '') } : null;
}

/**
 * Claims a run for this process while it runs some of the run's stages, so that two invocations
 * joining the same run never write its record at once: the second gets a RunBusyError. Makes the
 * run's folder if needed. Resolves with the function that lets the claim go.
 */
export async function claimRun(workspace: string, runId: string): Promise<() => Promise<void>> {
  const dir = runDir(workspace, runId);
  await mkdir(dir, { recursive: true });
  const path = join(dir, CLAIM_FILE);
  for (let attempt = 1; ; attempt++) {
    try {
      const file = await open(path, 'wx');
      try {
        await file.writeFile(JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      } finally {
        await file.close();
      }
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await claimHolder(workspace, runId);
      if (holder) throw new RunBusyError(runId, holder.pid, holder.since);
      // the claim's process is gone (or was still writing it: then the next open fails again)
      if (attempt >= 3) throw new Error(`Could not claim run ${runId}: ${path} keeps coming back; is another process joining it?`);
      await rm(path, { force: true });
    }
  }
}

/** Writes run.json through a temporary file and a rename, so readers never see half a file. */
export async function saveRun(workspace: string, record: RunRecord): Promise<void> {
  const dir = runDir(workspace, record.runId);
  const target = join(dir, RUN_FILE);
  const temp = join(dir, `.${RUN_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const text = `${JSON.stringify(redactSecrets(record), null, 2)}\n`;
  try {
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

let validator: ReturnType<Ajv2020['compile']> | undefined;
const formatAjvError = (e: ErrorObject) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`;

export async function loadRun(workspace: string, runId: string): Promise<RunRecord> {
  const path = join(runDir(workspace, runId), RUN_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunNotFoundError(runId, `Run ${runId} not found: there is no ${path}. Check the run id against the runs listed in ${runsDir(workspace)}.`, { cause: err });
    }
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`Run ${runId}: ${path} is not valid JSON (${(err as Error).message}).`, { cause: err });
  }
  validator ??= new Ajv2020({ allErrors: true, strict: false }).compile(runRecordSchema);
  if (!validator(doc)) {
    const problems = (validator.errors ?? []).map(formatAjvError).join('; ');
    throw new Error(`Run ${runId}: ${path} is not a valid run record: ${problems}.`);
  }
  const record = doc as RunRecord;
  if (record.runId !== runId) throw new Error(`Run ${runId}: ${path} holds run ${record.runId}; the folder and the record disagree.`);
  return record;
}

export interface ListRunsOptions {
  limit?: number;
  status?: RunStatus;
}

/** Runs in the workspace, newest first. */
export async function listRuns(workspace: string, opts: ListRunsOptions = {}): Promise<RunRecord[]> {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) {
    throw new Error(`listRuns: limit must be a whole number ≥ 1, got ${opts.limit}.`);
  }
  let names: string[];
  try {
    names = await readdir(runsDir(workspace));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const runs = await Promise.all(names.filter((n) => RUN_ID_PATTERN.test(n)).map((id) => loadRun(workspace, id)));
  // Ids order runs to the second; startedAt (milliseconds) orders runs started in the same second.
  runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
  const matching = opts.status ? runs.filter((r) => r.status === opts.status) : runs;
  return opts.limit ? matching.slice(0, opts.limit) : matching;
}

/**
 * Marks runs still recorded as running as failed: their process stopped without finishing them
 * (killed, crashed, the machine went down). Only call this while holding the workspace lock, when
 * no live run can be among them. The stage that was running carries the error, so a resume starts
 * from it. Returns the ids it settled.
 */
export async function settleInterruptedRuns(workspace: string, now: Date = new Date()): Promise<string[]> {
  const stale: RunRecord[] = [];
  for (const record of await listRuns(workspace, { status: 'running' })) {
    // a joinable run between two invocations is waiting for its orchestrator, not interrupted
    if (record.joinable && !record.stages.some((s) => s.status === 'running')) continue;
    if (await claimHolder(workspace, record.runId)) continue;
    stale.push(record);
  }
  for (const record of stale) {
    const at = now.toISOString();
    const stage = record.stages.find((s) => s.status === 'running');
    const error = {
      message: `Interrupted: the process running ${stage ? `stage ${stage.name}` : 'this run'} stopped before it finished (killed, crashed or the machine went down).`,
      hint: record.joinable
        ? `Run the stage again under the same run id (retry or clear the task in the orchestrator that started it), or resume it with: claims run --resume ${record.runId}`
        : `Resume it with: claims run --resume ${record.runId}`,
    };
    if (stage) {
      stage.status = 'failed';
      stage.endedAt = at;
      stage.seconds = stage.startedAt ? secondsBetween(stage.startedAt, at) : null;
      stage.error = error;
    }
    record.status = 'failed';
    record.error = stage ? { ...error, stage: stage.name } : error;
    record.endedAt = at;
    record.seconds = secondsBetween(record.startedAt, at);
    await saveRun(workspace, record);
    try {
      // the log goes on where the interrupted process left it, so no seq is used twice in the run
      const seq = await nextEventSeq(workspace, record.runId);
      appendEvent(workspace, record.runId, { type: 'run.finished', runId: record.runId, seq, timestamp: at, status: 'failed', seconds: record.seconds, error: record.error });
    } catch {
      // the record above is what counts; a run folder without a writable log still shows as failed
    }
  }
  return stale.map((r) => r.runId);
}

/** Seconds between two ISO timestamps, to the millisecond. */
export const secondsBetween = (from: string, to: string) => Math.round(Date.parse(to) - Date.parse(from)) / 1000;

/**
 * Appends one event to events.jsonl. Synchronous on purpose: stages log through plain function
 * calls, and a synchronous append keeps the file in the order the events happened.
 */
export function appendEvent(workspace: string, runId: string, event: RunEvent): void {
  appendFileSync(join(runDir(workspace, runId), EVENTS_FILE), `${JSON.stringify(redactSecrets(event))}\n`, 'utf8');
}

/** The seq the next event of a run gets: one after its log's last (1 for a run with no log yet). */
export async function nextEventSeq(workspace: string, runId: string): Promise<number> {
  try {
    await access(join(runDir(workspace, runId), EVENTS_FILE));
  } catch {
    return 1;
  }
  return ((await readEvents(workspace, runId)).at(-1)?.seq ?? 0) + 1;
}

export async function readEvents(workspace: string, runId: string): Promise<RunEvent[]> {
  const path = join(runDir(workspace, runId), EVENTS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NoEventLogError(runId, `Run ${runId} has no event log: there is no ${path}.`, { cause: err });
    }
    throw err;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (err) {
      throw new Error(`${path}, line ${i + 1}: not valid JSON (${(err as Error).message}).`, { cause: err });
    }
    const e = event as Partial<RunEvent> | null;
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || typeof e.timestamp !== 'string' || e.runId !== runId) {
      throw new Error(`${path}, line ${i + 1}: not an event of run ${runId} (needs type, timestamp and runId).`);
    }
    // logs written before events were numbered: an event's seq is its line, as the runner writes them
    if (e.seq === undefined) return { ...e, seq: i + 1 } as RunEvent;
    if (!Number.isInteger(e.seq) || e.seq < 1) throw new Error(`${path}, line ${i + 1}: seq must be a whole number from 1, got ${JSON.stringify(e.seq)}.`);
    return event as RunEvent;
  });
}
