// The lake's own records of what landed (raw manifests, written by ingest) and what each batch
// committed (curated manifests, written by cleanse). Readers go by these rather than by listing
// folders, so a half-written or superseded file is never shown as data.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspacePaths } from '../workspace.ts';

export interface RawManifestFile {
  datasets?: Record<string, { rows?: number; files?: { key: string }[] }>;
}

export interface CuratedDataset {
  raw_rows?: number;
  curated_rows?: number;
  quarantined_rows?: number;
  duplicates_removed?: number;
  quarantine_by_reason?: Record<string, number>;
  files?: string[];
  quarantine_files?: string[];
  duplicate_files?: string[];
}

export interface CuratedManifestFile {
  batch: number;
  datasets?: Record<string, CuratedDataset>;
}

const MANIFEST = /^batch=(\d+)\.json$/;

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    // a manifest being replaced right now; the next read has it
    return null;
  }
}

function batchesWithManifest(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => MANIFEST.exec(n)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export const landedBatches = (paths: WorkspacePaths) => batchesWithManifest(join(paths.lake, '_manifests'));

export function rawManifest(paths: WorkspacePaths, batch: number): RawManifestFile | null {
  return readJson<RawManifestFile>(join(paths.lake, '_manifests', `batch=${batch}.json`));
}

export function curatedManifests(paths: WorkspacePaths): CuratedManifestFile[] {
  const dir = join(paths.lake, '_manifests', 'curated');
  return batchesWithManifest(dir)
    .map((b) => readJson<CuratedManifestFile>(join(dir, `batch=${b}.json`)))
    .filter((m): m is CuratedManifestFile => m !== null);
}
