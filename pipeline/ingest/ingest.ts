import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENTITY_ORDER } from '../contract-loader/load.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import { zones, type Lake } from '../lake/types.ts';
import { checkHeader, InputFileError, inspectFile } from './inspect.ts';
import { parseRawManifest, type RawFileEntry, type RawManifest } from './manifest.ts';
import { checkSameWorld, worldOf } from './world.ts';

export interface IngestRequest {
  batch: number;
  /** folder of a generated batch: <dataset>/*.csv and manifest.json */
  sourceDir: string;
  lake: Lake;
  contracts: ContractSet;
  /** replace a batch that already landed with different content */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { dataset: string; file: string; fraction: number }) => void;
}

export interface IngestResult {
  batch: number;
  manifestKey: string;
  /** false when the same content had already landed (a no-op) */
  landed: boolean;
  manifest: RawManifest;
}

export class RawZoneConflictError extends Error {
  constructor(batch: number, detail: string) {
    super(`Batch ${batch} already landed in the raw zone with different content (${detail}). The raw zone is immutable: land new data as a new batch number, or pass --force to replace this batch.`);
    this.name = 'RawZoneConflictError';
  }
}

/** Lands a generated batch in the raw zone with a manifest (files, rows, sha256). */
export async function ingest(req: IngestRequest): Promise<IngestResult> {
  const { batch, sourceDir, lake } = req;
  const datasets: RawManifest['datasets'] = {};
  const plan: Array<{ dataset: string; path: string; entry: RawFileEntry }> = [];
  for (const dataset of ENTITY_ORDER) {
    req.signal?.throwIfAborted();
    const dir = join(sourceDir, dataset);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.csv')).sort();
    } catch {
      throw new InputFileError(dir, null, 'folder not found', `Generate batch ${batch} first (claims run --stages generate, or claims generate --out ${sourceDir}).`);
    }
    if (!names.length) throw new InputFileError(dir, null, `holds no ${dataset} CSV files`, `Generate batch ${batch} first.`);
    const contract = req.contracts.byName.get(dataset)!;
    const entries: RawFileEntry[] = [];
    for (const [i, name] of names.entries()) {
      const path = join(dir, name);
      const facts = await inspectFile(path, path);
      checkHeader(facts.header, contract, path);
      const entry = { key: `${zones.raw(dataset, batch)}${name}`, rows: facts.rows, bytes: facts.bytes, sha256: facts.sha256 };
      entries.push(entry);
      plan.push({ dataset, path, entry });
      req.onProgress?.({ dataset, file: name, fraction: (i + 1) / names.length });
    }
    datasets[dataset] = { rows: entries.reduce((s, e) => s + e.rows, 0), files: entries };
  }

  const generator = await generatorOf(sourceDir);
  const manifestKey = zones.rawManifest(batch);
  const existingText = await lake.getText(manifestKey);
  if (existingText) {
    const existing = parseRawManifest(existingText, manifestKey);
    const difference = compare(existing, datasets);
    if (!difference) return { batch, manifestKey, landed: false, manifest: existing };
    if (!req.force) throw new RawZoneConflictError(batch, difference);
  }
  // before anything of the landed batch is replaced
  await checkSameWorld(lake, batch, worldOf(generator));
  if (existingText) for (const dataset of ENTITY_ORDER) await lake.removePrefix(zones.raw(dataset, batch));

  for (const { path, entry } of plan) {
    req.signal?.throwIfAborted();
    await lake.putFile(entry.key, path, { sha256: entry.sha256 });
  }
  const manifest: RawManifest = { batch, landed_at: new Date().toISOString(), source: sourceDir, generator, datasets };
  await lake.putText(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`);
  return { batch, manifestKey, landed: true, manifest };
}

/** What the generator's manifest says of the batch's world, when the source folder has one. */
async function generatorOf(sourceDir: string): Promise<RawManifest['generator']> {
  try {
    const g = JSON.parse(await readFile(join(sourceDir, 'manifest.json'), 'utf8'));
    return { seed: g.options?.seed, as_of: g.as_of, options: g.options, ...(typeof g.generator_version === 'number' ? { generator_version: g.generator_version } : {}) };
  } catch {
    return undefined;
  }
}

/** First difference between a landed batch and what would land now, or null when identical. */
function compare(existing: RawManifest, incoming: RawManifest['datasets']): string | null {
  for (const dataset of ENTITY_ORDER) {
    const a = existing.datasets[dataset]?.files ?? [];
    const b = incoming[dataset]?.files ?? [];
    const byKey = new Map(a.map((f) => [f.key, f]));
    for (const f of b) {
      const old = byKey.get(f.key);
      if (!old) return `${f.key} is new`;
      if (old.sha256 !== f.sha256) return `${f.key}: sha256 ${old.sha256.slice(0, 12)}… landed, ${f.sha256.slice(0, 12)}… now`;
    }
    if (a.length !== b.length) return `${dataset} had ${a.length} files, now ${b.length}`;
  }
  return null;
}
