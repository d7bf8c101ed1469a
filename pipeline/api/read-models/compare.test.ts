// The comparison on real run records: two local profiles over one workspace stand in for the local
// and the cloud path (the cloud comparison itself runs in the e2e journey on the emulator). The
// same batch run alike on both agrees; the batch generated otherwise on one disagrees, by how much.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../orchestrator/store.ts';
import { startPipelineRun } from '../../run/index.ts';
import { tempDir } from '../../testing/tmp.ts';
import { workspacePaths } from '../../workspace.ts';
import type { ProfileComparison, Widget } from '../protocol.ts';
import { claimKpis } from './analytics.ts';
import { compareRuns, compareValues, type ProfileKind } from './compare.ts';
import { ReadSides } from './read-sides.ts';

const profile = (seed: number, claims: number) => `    kind: local
    generate: { seed: ${seed}, members: 300, providers: 50, claims: ${claims}, dirty_rate: 0.03 }
    retry: { max_attempts: 1, base_delay_ms: 0 }
`;
const PROFILES = `active: left
profiles:
  left:
${profile(5, 2000)}  right:
${profile(5, 2000)}  other:
${profile(6, 2500)}`;
// these profiles are all of kind local; the comparison pairs whichever two it is asked for
const kinds = new Map<string, ProfileKind>([
  ['left', 'local'],
  ['right', 'aws'],
  ['other', 'local'],
]);

let ws: string;
let cleanup: () => Promise<void>;
let sides: ReadSides;

beforeAll(async () => {
  ({ dir: ws, cleanup } = await tempDir('compare-'));
  await writeFile(join(ws, 'profiles.yaml'), PROFILES);
  sides = new ReadSides(workspacePaths(ws), async () => 'left');
  // the same batch from the same generator settings on two profiles, the second redoing every stage
  const a = await startPipelineRun({ workspace: ws, batch: 1, profile: 'left' });
  expect(a.summary.status).toBe('succeeded');
  const b = await startPipelineRun({ workspace: ws, batch: 1, profile: 'right', force: true });
  expect(b.summary.status).toBe('succeeded');
}, 400_000);

afterAll(async () => {
  await sides?.close();
  await cleanup?.();
});

const compare = async (opts: { batch?: number; profiles?: string[] } = {}) =>
  compareRuns({ runs: await listRuns(ws), kinds, ...opts, kpis: (p) => sides.withWarehouse(p, (w) => claimKpis(w)) });

function available(c: Widget<ProfileComparison>): ProfileComparison {
  if (!c.available) throw new Error(c.reason);
  return c;
}

describe('compare runs', () => {
  it('puts the local profile beside the aws one by default, and they agree on every count, reconciliation and KPI', async () => {
    const c = available(await compare());
    expect(c.batch).toBe(1);
    expect(c.sides.map((s) => s.profile)).toEqual(['left', 'right']);
    const runs = await listRuns(ws);
    expect(c.sides.map((s) => s.runId)).toEqual(['left', 'right'].map((p) => runs.find((r) => r.profile === p)!.runId));
    // the counts are the runs' own: curated claims as cleanse recorded them on each side
    const curated = c.counts.find((r) => r.key === 'curated.claims')!;
    expect(curated.values[0]).toBe(runs.find((r) => r.profile === 'left')!.stages.find((s) => s.name === 'cleanse')!.rows['curated.claims']);
    expect(curated).toMatchObject({ diff: 0, agrees: true });
    expect(c.counts.map((r) => r.key)).toEqual(expect.arrayContaining(['raw.claims', 'quarantine.claims', 'warehouse.members', 'dbt.models']));
    expect(c.counts.every((r) => r.agrees === true)).toBe(true);
    expect(c.reconciliation.map((r) => r.dataset).sort()).toEqual(['claims', 'members', 'providers']);
    expect(c.reconciliation.every((r) => r.agrees && r.balanced.every((b) => b === true))).toBe(true);
    // the KPIs come from the warehouse: claims counted there, on both sides
    expect(c.kpis.unavailable).toEqual([]);
    const claims = c.kpis.rows.find((r) => r.key === 'claims')!;
    expect(claims.values[0]).toBe(c.counts.find((r) => r.key === 'warehouse.claims')!.values[0]);
    expect(c.kpis.rows.every((r) => r.agrees === true)).toBe(true);
    expect(c.stages.map((s) => s.stage)).toEqual(['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify']);
    expect(c.stages.every((s) => s.seconds.every((x) => x !== null && x >= 0))).toBe(true);
    expect(c.agree).toBe(true);
    expect(c.summary).toMatch(/^left and right agree on batch 1: \d+ counts, 3 reconciled datasets and 8 KPIs are the same\.$/);
  });

  it('says by how much a batch generated otherwise on the other profile differs', async () => {
    const other = await startPipelineRun({ workspace: ws, batch: 1, profile: 'other', force: true, stages: ['generate', 'ingest', 'cleanse', 'load', 'verify'] });
    expect(other.summary.status).toBe('succeeded');
    const c = available(await compare({ profiles: ['left', 'other'] }));
    expect(c.profiles).toEqual(['left', 'other', 'right']);
    const raw = c.counts.find((r) => r.key === 'raw.claims')!;
    expect(raw.values[1]! - raw.values[0]!).toBe(raw.diff);
    expect(raw.diff).not.toBe(0);
    expect(raw.agrees).toBe(false);
    // no dbt on the other run: its dbt counts are one-sided, neither agreeing nor not
    expect(c.counts.find((r) => r.key === 'dbt.models')).toMatchObject({ values: [expect.any(Number), null], diff: null, agrees: null });
    expect(c.reconciliation.find((r) => r.dataset === 'claims')!.agrees).toBe(false);
    expect(c.agree).toBe(false);
    expect(c.summary).toMatch(/^left and other disagree on batch 1: \d+ counts differ, [23] datasets do not reconcile alike\.$/);
  }, 200_000);

  it('names a profile without a finished run of the batch, and says when there is nothing to compare', async () => {
    await expect(compare({ profiles: ['left', 'missing'] })).rejects.toThrow(/profiles: missing has no finished run of batch 1/);
    const none = await compareRuns({ runs: [], kinds, kpis: async () => ({ available: false, reason: 'unused' }) });
    expect(none).toMatchObject({ available: false, reason: expect.stringMatching(/^Nothing to compare yet/) });
  });

  it('lets floating sums from two engines agree within a cent, and no further', () => {
    expect(compareValues('paid', 'Paid', 1000.001, 1000.004, 0.005)).toMatchObject({ agrees: true });
    expect(compareValues('paid', 'Paid', 1000, 1000.01, 0.005)).toMatchObject({ agrees: false, diff: expect.closeTo(0.01, 9) });
    expect(compareValues('claims', 'Claims', 10, 12)).toMatchObject({ diff: 2, agrees: false });
  });
});
