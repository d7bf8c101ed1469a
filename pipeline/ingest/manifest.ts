/** What landed in the raw zone for one batch: the record that makes the zone immutable. */
export interface RawFileEntry {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface RawManifest {
  batch: number;
  landed_at: string;
  source: string;
  generator?: { seed: number; as_of: string; options: Record<string, unknown>; generator_version?: number };
  datasets: Record<string, { rows: number; files: RawFileEntry[] }>;
}

export function parseRawManifest(text: string, key: string): RawManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`Raw manifest ${key} is not valid JSON (${(err as Error).message}); the raw zone of this batch is damaged: land it again with --force.`);
  }
  const m = doc as RawManifest;
  if (typeof m?.batch !== 'number' || typeof m.datasets !== 'object') throw new Error(`Raw manifest ${key} is missing batch or datasets; land the batch again with --force.`);
  return m;
}
