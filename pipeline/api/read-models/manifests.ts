// The workspace's records of what exists: each generated batch (written by the generator when it
// finishes), what landed in the lake (raw manifests, written by ingest) and what each batch
// committed (curated manifests, written by cleanse). Readers go by these rather than by listing
// folders, so a half-written or superseded file is never shown as data. Lake records are read
// through the profile's Lake, never by path; the generated folder through the same containment rule.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { curatedManifests as committedManifests } from '../../cleanse/commit.ts';
import type { CuratedManifest } from '../../cleanse/types.ts';
import type { GenerateManifest } from '../../generate/index.ts';
import { parseRawManifest, type RawManifest } from '../../ingest/manifest.ts';
import { containedPath } from '../../lake/contained-path.ts';
import { zones, type Lake } from '../../lake/types.ts';
import type { WorkspacePaths } from '../../workspace.ts';

export type CuratedDataset = CuratedManifest['datasets'][string];

const RAW_MANIFEST = /^_manifests\/batch=(\d+)\.json$/;
const BATCH_DIR = /^batch=(\d+)$/;

/** generated/, the parent of every generated/batch=<k>/ */
export const generatedRoot = (paths: WorkspacePaths) => dirname(paths.generated(1));

/** Batches with a generated/batch=<k>/ folder, finished or not. */
export function generatedBatchDirs(paths: WorkspacePaths): number[] {
  const root = generatedRoot(paths);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => BATCH_DIR.exec(n)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** A file of the generated folder by its path inside it; refused when it resolves outside. */
export function generatedFile(paths: WorkspacePaths, relative: string): string {
  return containedPath(generatedRoot(paths), relative);
}

/** The generator's manifest of a batch; null until the batch has been generated to the end. */
export function generatedManifest(paths: WorkspacePaths, batch: number): GenerateManifest | null {
  const path = generatedFile(paths, join(`batch=${batch}`, 'manifest.json'));
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GenerateManifest;
  } catch {
    // the generator is writing it right now; the next read has it
    return null;
  }
}

/** Batches with a raw manifest, ascending. */
export async function landedBatches(lake: Lake): Promise<number[]> {
  return (await lake.list('_manifests/'))
    .map((o) => RAW_MANIFEST.exec(o.key)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export async function rawManifest(lake: Lake, batch: number): Promise<RawManifest | null> {
  const key = zones.rawManifest(batch);
  const text = await lake.getText(key);
  return text === null ? null : parseRawManifest(text, key);
}

/** Every committed batch's curated manifest, by batch. */
export const curatedManifests = (lake: Lake): Promise<CuratedManifest[]> => committedManifests(lake);
