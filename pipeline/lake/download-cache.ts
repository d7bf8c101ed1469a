import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { containedPath } from './contained-path.ts';

/**
 * A size-bounded folder of downloaded objects for readers that need a local file (DuckDB over a
 * CSV or Parquet part). Files mirror their keys (so hive-style `year=/month=` folders survive),
 * each with a small record of the remote version (ETag, size) beside it in `meta/`: a changed
 * object is fetched again. Least recently used files go first when room is needed; a file's
 * modification time is its last use, so several processes sharing the folder agree on the order.
 */
export interface DownloadCacheOptions {
  dir: string;
  /** Upper bound on the bytes held (default 2 GiB). */
  maxBytes?: number;
  /**
   * Files handed out by this process this recently are not evicted (default 60 s): a reader
   * that asked for several files at once still finds the first ones when it opens them.
   */
  protectMs?: number;
}

export interface RemoteVersion {
  etag: string;
  size: number;
}

export const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;
const DEFAULT_PROTECT_MS = 60_000;
const STALE_TMP_MS = 60 * 60_000;

const gib = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

/** An object larger than the whole cache. */
export class CacheTooSmallError extends Error {
  constructor(
    readonly uri: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${uri} is ${gib(size)}, larger than the local download cache (${gib(maxBytes)}); it is not downloaded. Raise the lake's cache size for this profile to read it locally.`);
    this.name = 'CacheTooSmallError';
  }
}

/** The files in use right now already fill the cache. */
export class CacheFullError extends Error {
  constructor(
    readonly uri: string,
    readonly needed: number,
    readonly maxBytes: number,
  ) {
    super(
      `No room for ${uri} (${gib(needed)}) in the local download cache (${gib(maxBytes)}): the files read in the last moments fill it. Raise the lake's cache size for this profile, or read fewer objects at once.`,
    );
    this.name = 'CacheFullError';
  }
}

interface Held {
  key: string;
  size: number;
  lastUse: number;
}

export class DownloadCache {
  readonly objectsDir: string;
  readonly maxBytes: number;
  private readonly metaDir: string;
  private readonly tmpDir: string;
  private readonly protectMs: number;
  private readonly handedOut = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private swept = false;

  constructor(opts: DownloadCacheOptions) {
    this.objectsDir = join(opts.dir, 'objects');
    this.metaDir = join(opts.dir, 'meta');
    this.tmpDir = join(opts.dir, 'tmp');
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.protectMs = opts.protectMs ?? DEFAULT_PROTECT_MS;
    if (!(Number.isInteger(this.maxBytes) && this.maxBytes > 0)) throw new Error(`The download cache size must be a positive number of bytes, got ${opts.maxBytes}.`);
  }

  /**
   * The local file for `key` at version `remote`: the cached one when it is that version, else
   * a fresh download (`download` writes the bytes to the path it is given).
   */
  async file(key: string, uri: string, remote: RemoteVersion, download: (tmpPath: string) => Promise<void>): Promise<string> {
    const path = containedPath(this.objectsDir, key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const job = this.resolve(key, path, uri, remote, download).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, job);
    return job;
  }

  private async resolve(key: string, path: string, uri: string, remote: RemoteVersion, download: (tmpPath: string) => Promise<void>): Promise<string> {
    const metaPath = this.metaPath(key);
    if (await this.holds(path, metaPath, remote)) return this.use(key, path);
    if (remote.size > this.maxBytes) throw new CacheTooSmallError(uri, remote.size, this.maxBytes);
    await this.sweepTmp();
    await this.makeRoom(key, remote.size, uri);
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${randomBytes(8).toString('hex')}.part`);
    try {
      await download(tmp);
      const got = (await stat(tmp)).size;
      if (got !== remote.size) throw new Error(`Downloading ${uri} gave ${got} bytes, expected ${remote.size}; try again.`);
      await mkdir(dirname(path), { recursive: true });
      await mkdir(dirname(metaPath), { recursive: true });
      await rename(tmp, path);
      await writeFile(metaPath, JSON.stringify({ etag: remote.etag, size: remote.size }));
    } finally {
      await rm(tmp, { force: true });
    }
    return this.use(key, path);
  }

  private metaPath(key: string): string {
    return `${containedPath(this.metaDir, key)}.json`;
  }

  private async holds(path: string, metaPath: string, remote: RemoteVersion): Promise<boolean> {
    const [meta, st] = await Promise.all([readFile(metaPath, 'utf8').then((t) => JSON.parse(t) as RemoteVersion, () => null), stat(path).catch(() => null)]);
    return meta !== null && st !== null && meta.etag === remote.etag && meta.size === remote.size && st.size === remote.size;
  }

  private async use(key: string, path: string): Promise<string> {
    const now = new Date();
    await utimes(path, now, now);
    this.handedOut.set(key, now.getTime());
    return path;
  }

  /** Evicts least recently used files until `size` more bytes fit under the bound. */
  private async makeRoom(key: string, size: number, uri: string): Promise<void> {
    const held = await this.held();
    let total = held.reduce((s, h) => s + (h.key === key ? 0 : h.size), 0);
    if (total + size <= this.maxBytes) return;
    const now = Date.now();
    const evictable = held
      .filter((h) => h.key !== key && now - (this.handedOut.get(h.key) ?? -Infinity) >= this.protectMs)
      .sort((a, b) => a.lastUse - b.lastUse);
    for (const h of evictable) {
      if (total + size <= this.maxBytes) break;
      await this.evict(h.key);
      total -= h.size;
    }
    if (total + size > this.maxBytes) throw new CacheFullError(uri, size, this.maxBytes);
  }

  private async evict(key: string): Promise<void> {
    // meta first: a file without its record is never taken for a valid copy
    await rm(this.metaPath(key), { force: true });
    await rm(containedPath(this.objectsDir, key), { force: true });
    this.handedOut.delete(key);
  }

  /** Every cached file with its size and last use. */
  async held(): Promise<Held[]> {
    const out: Held[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) {
          const st = await stat(p).catch(() => null);
          if (st) out.push({ key: relative(this.objectsDir, p).split(sep).join('/'), size: st.size, lastUse: st.mtimeMs });
        }
      }
    };
    await walk(this.objectsDir);
    return out;
  }

  /** Downloads a crashed process left behind. */
  private async sweepTmp(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    const now = Date.now();
    for (const n of names) {
      const p = join(this.tmpDir, n);
      const st = await stat(p).catch(() => null);
      if (st && now - st.mtimeMs > STALE_TMP_MS) await rm(p, { force: true });
    }
  }
}
