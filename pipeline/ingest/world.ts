// The generated world a batch comes from. Batch k of a world continues batch k-1's timeline: the
// same members, providers and claim ids, each claim gaining versions. Claim CLM0000000001 of another
// world (another seed or size) is a different claim, so a lake mixing two worlds merges unrelated
// claims into one history (found as negative days to first payment, orphans, repeated keys). Ingest
// is the gate: it refuses a batch whose world is not the lake's.
import type { Lake } from '../lake/types.ts';
import { parseRawManifest, type RawManifest } from './manifest.ts';

/** What identifies a world: the generator's version, seed and sizes (not the dirty rate, file size or format). */
export interface World {
  generator_version?: number;
  seed: number;
  members: number;
  providers: number;
  claims: number;
}

const RAW_MANIFEST = /^_manifests\/batch=(\d+)\.json$/;

/** The world a raw manifest's generator record names, when it names one. */
export function worldOf(generator: RawManifest['generator']): World | null {
  const o = generator?.options;
  if (!o || [o.seed, o.members, o.providers, o.claims].some((v) => typeof v !== 'number')) return null;
  const world = { seed: o.seed as number, members: o.members as number, providers: o.providers as number, claims: o.claims as number };
  return typeof generator.generator_version === 'number' ? { generator_version: generator.generator_version, ...world } : world;
}

export function describeWorld(w: World): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `seed ${w.seed}, ${n(w.members)} members, ${n(w.providers)} providers, ${n(w.claims)} claims${w.generator_version === undefined ? '' : `, generator v${w.generator_version}`}`;
}

function sameWorld(a: World, b: World): boolean {
  // manifests landed before the version was recorded match on the rest
  const version = a.generator_version === undefined || b.generator_version === undefined || a.generator_version === b.generator_version;
  return version && a.seed === b.seed && a.members === b.members && a.providers === b.providers && a.claims === b.claims;
}

export class WorldMismatchError extends Error {
  constructor(batch: number, incoming: World, other: { batch: number; world: World; key: string }) {
    super(
      `Batch ${batch} comes from another generated world (${describeWorld(incoming)}) than batch ${other.batch} already in the lake (${describeWorld(other.world)}, ${other.key}). ` +
        `A batch continues its world's timeline: the same claim id in another world is another claim, so mixing them would merge unrelated claims into one history. ` +
        `Generate batch ${batch} with batch ${other.batch}'s settings, or use another workspace for the other world.`,
    );
    this.name = 'WorldMismatchError';
  }
}

/** Throws WorldMismatchError when another batch in the lake comes from a world other than `incoming`. */
export async function checkSameWorld(lake: Lake, batch: number, incoming: World | null): Promise<void> {
  if (!incoming) return;
  for (const o of await lake.list('_manifests/')) {
    const match = RAW_MANIFEST.exec(o.key);
    if (!match || Number(match[1]) === batch) continue;
    const other = Number(match[1]);
    const text = await lake.getText(o.key);
    const world = text ? worldOf(parseRawManifest(text, o.key).generator) : null;
    if (world && !sameWorld(incoming, world)) throw new WorldMismatchError(batch, incoming, { batch: other, world, key: o.key });
  }
}
