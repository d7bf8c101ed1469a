// The app reads the active profile's data: its lake and its warehouse, through the readers the
// profile picks (pipeline/run/environment.ts), plus the file reader over that lake's local files
// and the generated folder. Switching the active profile switches all of them at once.

import { join } from 'node:path';
import { FileReader } from '../../duckdb/file-reader.ts';
import { DEFAULT_READER_MEMORY, DEFAULT_READER_TEMP_SIZE } from '../../duckdb/sealed.ts';
import type { Lake } from '../../lake/types.ts';
import { loadProfile } from '../../profiles/load.ts';
import { readSide } from '../../run/environment.ts';
import type { WarehouseReader } from '../../warehouse/reader.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import { Catalog } from './catalog.ts';
import { CountCache, type DatasetReaders } from './dataset-query.ts';
import { generatedRoot } from './manifests.ts';

export interface ProfileReaders extends DatasetReaders {
  profile: string;
  lake: Lake;
  /** lets go of the lake and warehouse readers of the profile */
  close(): Promise<void>;
}

export class ReadSides {
  private current: Promise<ProfileReaders> | null = null;
  private currentProfile: string | null = null;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly activeProfile: () => Promise<string>,
    private readonly memoryLimit = DEFAULT_READER_MEMORY,
  ) {}

  /** The readers of the active profile, built on first use and again after a switch. */
  async get(): Promise<ProfileReaders> {
    const active = await this.activeProfile();
    if (this.current && this.currentProfile === active) return this.current;
    const previous = this.current;
    this.currentProfile = active;
    this.current = (async () => {
      await previous?.then(closeReaders, () => undefined);
      const profile = await loadProfile(this.paths.profiles, active);
      const side = await readSide(this.paths, profile, this.memoryLimit);
      const { lake, warehouse } = side;
      const files = new FileReader([...lake.localRoots(), generatedRoot(this.paths)].map((d) => `${d}/`), {
        memoryLimit: this.memoryLimit,
        maxTempSize: DEFAULT_READER_TEMP_SIZE,
        tempDirectory: join(this.paths.tmp, 'file-reader'),
      });
      const catalog = new Catalog(this.paths, lake, warehouse, (f) => files.columns(f));
      return { profile: active, lake, catalog, files, warehouse, counts: new CountCache(), close: () => side.close() };
    })();
    this.current.catch(() => {
      this.current = null;
      this.currentProfile = null;
    });
    return this.current;
  }

  /**
   * Reads through a profile's warehouse reader: the active profile's own, or, for another profile,
   * one opened for this call alone and closed after it, so the active readers are left as they are.
   */
  async withWarehouse<T>(profileName: string, fn: (warehouse: WarehouseReader) => Promise<T>): Promise<T> {
    if (profileName === (await this.activeProfile())) return fn((await this.get()).warehouse);
    const side = await readSide(this.paths, await loadProfile(this.paths.profiles, profileName), this.memoryLimit);
    try {
      return await fn(side.warehouse);
    } finally {
      await side.close();
    }
  }

  /** The readers in use now, if any were built (for letting go of the warehouse before a run). */
  async built(): Promise<ProfileReaders | null> {
    return this.current ? this.current.catch(() => null) : null;
  }

  /** Lets go of the readers, so the next read opens them afresh (deploy has just made the warehouse's objects). */
  async reopen(): Promise<void> {
    const previous = this.current;
    this.current = null;
    this.currentProfile = null;
    await previous?.then(closeReaders, () => undefined);
  }

  async close(): Promise<void> {
    await this.current?.then(closeReaders, () => undefined);
    this.current = null;
  }
}

async function closeReaders(r: ProfileReaders): Promise<void> {
  await r.close();
  await r.files.close();
}
