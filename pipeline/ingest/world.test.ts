import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../contract-loader/load.ts';
import { generate } from '../generate/index.ts';
import { parseGenerateOptions } from '../generate/options.ts';
import { LocalLake } from '../lake/local.ts';
import { zones } from '../lake/types.ts';
import { tempDir } from '../testing/tmp.ts';
import { ingest } from './ingest.ts';
import { WorldMismatchError } from './world.ts';

const contracts = loadContracts();
const WORLD = { seed: 5, members: 40, providers: 50, claims: 150 };
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('world-'));
});
afterAll(() => cleanup());

/** Generates batch `batch` of a world into its own folder; returns the folder. */
async function generated(name: string, batch: number, world: Partial<typeof WORLD> & { dirtyRate?: number } = {}): Promise<string> {
  const out = join(dir, 'generated', name, `batch=${batch}`);
  await generate(parseGenerateOptions({ ...WORLD, dirtyRate: 0, ...world, batch, out, threads: 1 }), {}, contracts);
  return out;
}

describe('ingest keeps one generated world per lake', () => {
  it('lands the batches of one world (dirty rate aside) and refuses a batch of another, landing none of it', async () => {
    const lake = new LocalLake(join(dir, 'lake-a'));
    expect((await ingest({ batch: 1, sourceDir: await generated('a', 1), lake, contracts })).landed).toBe(true);
    // more defects in a later batch is the same world
    expect((await ingest({ batch: 2, sourceDir: await generated('a', 2, { dirtyRate: 0.05 }), lake, contracts })).landed).toBe(true);

    const other = ingest({ batch: 3, sourceDir: await generated('b', 3, { seed: 6 }), lake, contracts });
    await expect(other).rejects.toBeInstanceOf(WorldMismatchError);
    await expect(other).rejects.toThrow(/^Batch 3 comes from another generated world \(seed 6, 40 members, 50 providers, 150 claims, generator v\d+\) than batch 1 already in the lake \(seed 5, 40 members, 50 providers, 150 claims, generator v\d+, _manifests\/batch=1\.json\)\..*Generate batch 3 with batch 1's settings, or use another workspace/);
    expect(await lake.exists(zones.rawManifest(3))).toBe(false);
    expect(await lake.list(zones.raw('claims', 3))).toEqual([]);

    // a size counts as much as the seed
    await expect(ingest({ batch: 3, sourceDir: await generated('c', 3, { claims: 151 }), lake, contracts })).rejects.toThrow(/150 claims/);
  });

  it('refuses to replace a batch with another world while other batches stay; alone, a batch may change world', async () => {
    const lake = new LocalLake(join(dir, 'lake-b'));
    await ingest({ batch: 1, sourceDir: await generated('d', 1), lake, contracts });
    const replacement = await generated('e', 1, { seed: 9 });
    // the only batch: --force replaces it, world and all
    expect((await ingest({ batch: 1, sourceDir: replacement, lake, contracts, force: true })).landed).toBe(true);
    await ingest({ batch: 2, sourceDir: await generated('e', 2, { seed: 9 }), lake, contracts });
    await expect(ingest({ batch: 1, sourceDir: await generated('f', 1), lake, contracts, force: true })).rejects.toThrow(/^Batch 1 comes from another generated world \(seed 5.*than batch 2 already in the lake \(seed 9/);
    // what landed before stays as it was
    expect(JSON.parse((await lake.getText(zones.rawManifest(1)))!).generator.seed).toBe(9);
  });
});
