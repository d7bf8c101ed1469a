import type { Lake } from '../lake/types.ts';
import { zones } from '../lake/types.ts';
import type { CuratedManifest } from './types.ts';

/**
 * Commits a cleansed batch atomically. Everything is first written under _staging/<txn>/ with the
 * same relative keys it will have in the lake. Commit writes a COMMITTING marker, moves every file
 * into place and then writes the curated manifest, which is what readers go by: until it exists the
 * batch is invisible, and file names carry the txn so a re-cleanse never overwrites files an older
 * manifest still lists. A crash before the marker leaves only staging (discarded on the next run);
 * a crash after it is rolled forward on the next run.
 */
const MARKER = 'COMMITTING.json';
const PAYLOAD = 'manifest.json';

export async function stageManifest(lake: Lake, txn: string, manifest: CuratedManifest): Promise<void> {
  await lake.putText(`${zones.staging(txn)}${PAYLOAD}`, JSON.stringify(manifest, null, 2));
}

export async function commit(lake: Lake, txn: string): Promise<CuratedManifest> {
  const staging = zones.staging(txn);
  const payload = await lake.getText(`${staging}${PAYLOAD}`);
  if (!payload) throw new Error(`Cannot commit ${txn}: ${staging}${PAYLOAD} is missing`);
  const manifest = JSON.parse(payload) as CuratedManifest;
  if (!(await lake.exists(`${staging}${MARKER}`))) await lake.putText(`${staging}${MARKER}`, JSON.stringify({ txn, started_at: new Date().toISOString() }));
  return finish(lake, txn, manifest);
}

async function finish(lake: Lake, txn: string, manifest: CuratedManifest): Promise<CuratedManifest> {
  const staging = zones.staging(txn);
  for (const o of await lake.list(staging)) {
    const rel = o.key.slice(staging.length);
    if (rel === MARKER || rel === PAYLOAD || rel.startsWith('work/')) continue;
    await lake.move(o.key, rel);
  }
  const key = zones.curatedManifest(manifest.batch);
  const previous = await lake.getText(key);
  await lake.putText(key, `${JSON.stringify(manifest, null, 2)}\n`);
  if (previous) {
    // files of the batch's previous commit that the new one no longer lists
    const old = JSON.parse(previous) as CuratedManifest;
    const keep = new Set(Object.values(manifest.datasets).flatMap((d) => [...d.files, ...d.quarantine_files, ...d.duplicate_files]));
    for (const d of Object.values(old.datasets)) {
      for (const f of [...d.files, ...d.quarantine_files, ...d.duplicate_files]) if (!keep.has(f)) await lake.removePrefix(f);
    }
  }
  await lake.removePrefix(staging);
  return manifest;
}

/** Finishes or discards transactions a killed process left behind. Returns what it did. */
export async function recoverStaging(lake: Lake): Promise<{ rolledForward: string[]; discarded: string[] }> {
  const txns = new Set((await lake.list('_staging/')).map((o) => o.key.split('/')[1]!).filter(Boolean));
  const rolledForward: string[] = [];
  const discarded: string[] = [];
  for (const txn of txns) {
    const staging = zones.staging(txn);
    const payload = await lake.getText(`${staging}${PAYLOAD}`);
    if (payload && (await lake.exists(`${staging}${MARKER}`))) {
      await finish(lake, txn, JSON.parse(payload) as CuratedManifest);
      rolledForward.push(txn);
    } else {
      await lake.removePrefix(staging);
      discarded.push(txn);
    }
  }
  return { rolledForward, discarded };
}

/** Committed curated manifests, by batch. */
export async function curatedManifests(lake: Lake): Promise<CuratedManifest[]> {
  const out: CuratedManifest[] = [];
  for (const o of await lake.list('_manifests/curated/')) {
    if (!/batch=\d+\.json$/.test(o.key)) continue;
    const text = await lake.getText(o.key);
    if (text) out.push(JSON.parse(text) as CuratedManifest);
  }
  return out.sort((a, b) => a.batch - b.batch);
}
