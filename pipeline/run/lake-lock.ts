// One cloud run per lake at a time, across machines: the app, the CLI and Airflow may all point
// at the same profile's bucket. The lock is an object in the lake written with a conditional
// write (S3: PutObject with If-None-Match: *), so exactly one taker creates it; the holder keeps
// a heartbeat in it, and deletes it on release only while it is still the version it wrote.
import { hostname } from 'node:os';
import type { ConditionalWrites } from '../lake/types.ts';
import { sleep } from '../orchestrator/backoff.ts';
import { isAlive } from './lock.ts';

export const LAKE_LOCK_KEY = '_locks/run.json';
const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
const DEFAULT_HEARTBEAT_MS = 60_000;
const DEFAULT_POLL_MS = 2_000;

export interface LakeLockHolder {
  host: string;
  pid: number;
  workspace: string;
  run_id: string;
  /** for people: "claims run batch 3" */
  what: string;
  since: string;
  /** the holder's last sign of life; a lock whose heartbeat is older than the stale limit is stale */
  heartbeat_at: string;
}

export interface LakeLockRequest {
  store: ConditionalWrites;
  workspace: string;
  runId: string;
  what: string;
  key?: string;
  /** How long to wait for a busy lake before refusing (default 0: refuse at once). */
  waitMs?: number;
  pollMs?: number;
  /** A lock whose heartbeat is older than this is stale (default 10 min). */
  staleAfterMs?: number;
  /** How often the holder renews its heartbeat (default 1 min; 0 = never, for tests). */
  heartbeatEveryMs?: number;
  /** The command that clears a stale lock, named in the stale error (e.g. the CLI's). */
  clearCommand?: string;
  signal?: AbortSignal;
  /** Told when the lock of a run on this machine whose process is gone was taken over. */
  onTakeover?: (previous: LakeLockHolder) => void;
  /** The clock the holder declares its times by (tests move it). */
  clock?: () => Date;
}

export interface LakeLock {
  readonly key: string;
  readonly uri: string;
  readonly holder: LakeLockHolder;
  /** Aborted with a LakeLockLostError when a heartbeat finds the lock is no longer ours. */
  readonly lost: AbortSignal;
  heartbeat(): Promise<void>;
  /** Names the run that holds the lake once it has an id (a new run gets its id after the lock). */
  forRun(runId: string): Promise<void>;
  /** Deletes the lock if it is still the version we wrote; says what it found. */
  release(): Promise<'released' | 'not-ours' | 'absent'>;
}

const describe = (h: LakeLockHolder) => `${h.what} (run ${h.run_id}) from ${h.host} pid ${h.pid}, workspace ${h.workspace}, since ${h.since}, last heartbeat ${h.heartbeat_at}`;

/** Another run holds the lake. */
export class LakeBusyError extends Error {
  /** a run that holds the lake ends; an unreadable lock object stays until a person looks */
  readonly retryable: boolean;
  constructor(
    readonly uri: string,
    readonly holder: LakeLockHolder | null,
  ) {
    super(
      holder
        ? `The lake is busy: ${describe(holder)} holds ${uri}. Wait for that run to finish, or cancel it where it runs.`
        : `The lake is busy: ${uri} exists but cannot be read as a lock (not JSON with host, pid and run id). Look at it, and delete it if no run holds the lake.`,
    );
    this.name = 'LakeBusyError';
    this.retryable = holder !== null;
  }
}

/** A lock whose holder stopped renewing it: that run probably died. Never taken over silently. */
export class LakeLockStaleError extends Error {
  readonly retryable = false;
  constructor(
    readonly uri: string,
    readonly holder: LakeLockHolder,
    readonly ageMs: number,
    clearCommand: string,
  ) {
    super(
      `The lake lock ${uri} is stale: ${describe(holder)}; no heartbeat for ${Math.round(ageMs / 60_000)} min. If that run is gone (check ${holder.host}), clear the lock with ${clearCommand} and run again.`,
    );
    this.name = 'LakeLockStaleError';
  }
}

/** The lock we held was cleared or taken by someone else while our run went on. */
export class LakeLockLostError extends Error {
  constructor(
    readonly uri: string,
    readonly now: LakeLockHolder | null,
  ) {
    super(`The lake lock ${uri} is no longer ours${now ? `: ${describe(now)} holds it now` : ' (it was cleared)'}. This run stops so that two runs never write the same batch.`);
    this.name = 'LakeLockLostError';
  }
}

function parseHolder(text: string): LakeLockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LakeLockHolder>;
    if (typeof h.host !== 'string' || typeof h.pid !== 'number' || typeof h.run_id !== 'string' || typeof h.heartbeat_at !== 'string') return null;
    return { host: h.host, pid: h.pid, workspace: String(h.workspace ?? ''), run_id: h.run_id, what: String(h.what ?? 'a run'), since: String(h.since ?? ''), heartbeat_at: h.heartbeat_at };
  } catch {
    return null;
  }
}

export interface LakeLockState {
  holder: LakeLockHolder | null;
  etag: string;
  /** age of the holder's last heartbeat */
  ageMs: number | null;
  stale: boolean;
}

/** Who holds the lake right now, if anyone. */
export async function readLakeLock(store: ConditionalWrites, opts: { key?: string; staleAfterMs?: number; clock?: () => Date } = {}): Promise<LakeLockState | null> {
  const found = await store.readWithTag(opts.key ?? LAKE_LOCK_KEY);
  if (!found) return null;
  const holder = parseHolder(found.text);
  const beat = holder ? Date.parse(holder.heartbeat_at) : NaN;
  const ageMs = Number.isFinite(beat) ? (opts.clock ?? (() => new Date()))().getTime() - beat : null;
  return { holder, etag: found.etag, ageMs, stale: ageMs !== null && ageMs > (opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) };
}

/** Takes the lake lock, or throws LakeBusyError / LakeLockStaleError naming the holder. */
export async function takeLakeLock(req: LakeLockRequest): Promise<LakeLock> {
  const key = req.key ?? LAKE_LOCK_KEY;
  const uri = req.store.uri(key);
  const clock = req.clock ?? (() => new Date());
  const staleAfterMs = req.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const deadline = Date.now() + (req.waitMs ?? 0);
  const clearCommand = req.clearCommand ?? `a conditional delete of ${uri} (it holds the ETag to match)`;
  const never = new AbortController().signal;
  // a lock deleted and re-created between our write and our read can send us round again; a
  // few rounds settle it
  for (let round = 1; ; round++) {
    req.signal?.throwIfAborted();
    const now = clock().toISOString();
    const holder: LakeLockHolder = { host: hostname(), pid: process.pid, workspace: req.workspace, run_id: req.runId, what: req.what, since: now, heartbeat_at: now };
    const created = await req.store.createIfAbsent(key, JSON.stringify(holder, null, 2));
    if (created) return held(req, key, uri, holder, created.etag, clock);
    const state = await readLakeLock(req.store, { key, staleAfterMs, clock });
    if (state === null && round < 10) continue; // released between our write and our read
    if (state === null) throw new LakeBusyError(uri, null);
    // a holder on this machine whose process is gone (killed, crashed) is certainly not writing:
    // take the lock over, only the version we read, without waiting out the stale limit
    if (state.holder && state.holder.host === holder.host && state.holder.pid !== process.pid && !isAlive(state.holder.pid)) {
      const taken = await req.store.replaceIfMatch(key, JSON.stringify(holder, null, 2), state.etag);
      if (taken) {
        req.onTakeover?.(state.holder);
        return held(req, key, uri, holder, taken.etag, clock);
      }
      if (round < 10) continue;
    }
    if (state.holder && state.stale) throw new LakeLockStaleError(uri, state.holder, state.ageMs ?? 0, clearCommand);
    if (Date.now() >= deadline) throw new LakeBusyError(uri, state.holder);
    await sleep(Math.min(req.pollMs ?? DEFAULT_POLL_MS, Math.max(0, deadline - Date.now())), req.signal ?? never);
  }
}

function held(req: LakeLockRequest, key: string, uri: string, first: LakeLockHolder, firstEtag: string, clock: () => Date): LakeLock {
  const store = req.store;
  let etag = firstEtag;
  let holder = first;
  let done = false;
  const lost = new AbortController();
  const heartbeat = async () => {
    if (done || lost.signal.aborted) return;
    const next = { ...holder, heartbeat_at: clock().toISOString() };
    const written = await store.replaceIfMatch(key, JSON.stringify(next, null, 2), etag);
    if (written) {
      etag = written.etag;
      holder = next;
      return;
    }
    const state = await readLakeLock(store, { key });
    lost.abort(new LakeLockLostError(uri, state?.holder ?? null));
  };
  const every = req.heartbeatEveryMs ?? DEFAULT_HEARTBEAT_MS;
  // a failed heartbeat (network) is tried again at the next tick; only a lost lock stops the run
  const timer = every > 0 ? setInterval(() => void heartbeat().catch(() => undefined), every) : undefined;
  timer?.unref();
  return {
    key,
    uri,
    get holder() {
      return holder;
    },
    lost: lost.signal,
    heartbeat,
    async forRun(runId) {
      if (holder.run_id === runId) return;
      holder = { ...holder, run_id: runId };
      await heartbeat();
    },
    async release() {
      done = true;
      if (timer) clearInterval(timer);
      if (await store.deleteIfMatch(key, etag)) return 'released';
      return (await store.readWithTag(key)) ? 'not-ours' : 'absent';
    },
  };
}

/**
 * Clears the lake lock (for a person who knows its holder is gone): deletes it only if it is the
 * version they looked at, so a lock a new run took meanwhile survives. Returns what was cleared
 * (holder null: the object was not a readable lock), or null when there was no lock.
 */
export async function clearLakeLock(store: ConditionalWrites, opts: { key?: string; etag?: string } = {}): Promise<{ holder: LakeLockHolder | null } | null> {
  const key = opts.key ?? LAKE_LOCK_KEY;
  const found = await store.readWithTag(key);
  if (!found) return null;
  if (opts.etag !== undefined && opts.etag !== found.etag) {
    const now = parseHolder(found.text);
    throw new Error(`The lake lock ${store.uri(key)} changed since it was read (now ${now ? describe(now) : 'unreadable'}); it was not cleared.`);
  }
  if (!(await store.deleteIfMatch(key, found.etag))) throw new Error(`The lake lock ${store.uri(key)} changed while it was being cleared; it was not cleared. Look at it again.`);
  return { holder: parseHolder(found.text) };
}
