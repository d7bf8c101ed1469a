// The workspace's records of what exists: each generated batch (written by the generator when it
// finishes), what landed in the lake (raw manifests, written by ingest) and what each batch
// committed (curated manifests, written by cleanse). Readers go by these rather than by listing
// folders, so a half-written or superseded file is never shown as data.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CuratedManifest } from '../cleanse/types.ts';
import type { GenerateManifest } from '../generate/index.ts';
import type { RawManifest } from '../ingest/manifest.ts';
import { zones } from '../lake/types.ts';
import type { WorkspacePaths } from '../workspace.ts';

export type CuratedDataset = CuratedManifest['datasets'][string];

const MANIFEST = /^batch=(\d+)\.json$/;
const BATCH_DIR = /^batch=(\d+)$/;

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    // a manifest being replaced right now; the next read has it
    return null;
  }
}

/** Batch numbers of the entries in dir whose names match pattern (its first group is the number), ascending. */
export function batchNumbersIn(dir: string, pattern: RegExp): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => pattern.exec(n)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** generated/, the parent of every generated/batch=<k>/ */
export const generatedRoot = (paths: WorkspacePaths) => dirname(paths.generated(1));

/** Batches with a generated/batch=<k>/ folder, finished or not. */
export const generatedBatchDirs = (paths: WorkspacePaths) => batchNumbersIn(generatedRoot(paths), BATCH_DIR);

/** The generator's manifest of a batch; null until the batch has been generated to the end. */
export function generatedManifest(paths: WorkspacePaths, batch: number): GenerateManifest | null {
  return readJson<GenerateManifest>(join(paths.generated(batch), 'manifest.json'));
}

export const landedBatches = (paths: WorkspacePaths) => batchNumbersIn(join(paths.lake, '_manifests'), MANIFEST);

export function rawManifest(paths: WorkspacePaths, batch: number): RawManifest | null {
  return readJson<RawManifest>(join(paths.lake, zones.rawManifest(batch)));
}

export function curatedManifests(paths: WorkspacePaths): CuratedManifest[] {
  return batchNumbersIn(join(paths.lake, '_manifests', 'curated'), MANIFEST)
    .map((b) => readJson<CuratedManifest>(join(paths.lake, zones.curatedManifest(b))))
    .filter((m): m is CuratedManifest => m !== null);
}
