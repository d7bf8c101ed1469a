// The same batch run on two profiles (the local path and the cloud path, typically), side by side:
// rows per zone and reconciliation from each run's record, the claims KPIs from each profile's
// warehouse, and the stage times. Counts must match exactly, KPIs to the cent (or to rounding, for
// rates); stage times are shown, never judged.

import type { RunRecord } from '../../orchestrator/types.ts';
import { runSummary } from '../../run/summary.ts';
import type { DatasetReconciliation, VerifyReport } from '../../verify/reconcile.ts';
import { ApiError } from '../errors.ts';
import type { CompareRow, CompareSide, KpiSet, ProfileComparison, Widget } from '../protocol.ts';

export type ProfileKind = CompareSide['kind'];

export interface CompareInput {
  /** the workspace's runs (any order, any status) */
  runs: RunRecord[];
  /** each profile's kind, to put a local profile beside an aws one by default */
  kinds: Map<string, ProfileKind>;
  batch?: number;
  profiles?: string[];
  /** the KPIs of a profile's warehouse now */
  kpis: (profile: string) => Promise<Widget<{ values: KpiSet }>>;
}

/** The KPIs in the order the dashboard shows them, with how close two values must be to agree. */
const KPIS: { key: keyof KpiSet; label: string; tolerance: number }[] = [
  { key: 'claims', label: 'Claims', tolerance: 0 },
  { key: 'billed', label: 'Billed', tolerance: 0.005 },
  { key: 'allowed', label: 'Allowed', tolerance: 0.005 },
  { key: 'paid', label: 'Paid', tolerance: 0.005 },
  { key: 'memberMonths', label: 'Member months', tolerance: 0 },
  { key: 'pmpm', label: 'PMPM', tolerance: 0.005 },
  { key: 'denialRate', label: 'Denial rate', tolerance: 1e-9 },
  { key: 'medianTurnaroundDays', label: 'Median turnaround (days)', tolerance: 1e-9 },
];
const RECONCILED: { key: keyof DatasetReconciliation; label: string }[] = [
  { key: 'landed_rows', label: 'landed' },
  { key: 'raw_rows', label: 'read by cleanse' },
  { key: 'duplicates_removed', label: 'duplicates removed' },
  { key: 'quarantined_rows', label: 'quarantined' },
  { key: 'curated_rows', label: 'curated' },
  { key: 'loaded_rows', label: 'loaded' },
];

/** Two values side by side; floating sums from two engines agree within a tolerance (a cent, say). */
export function compareValues(key: string, label: string, left: number | null | undefined, right: number | null | undefined, tolerance = 0): CompareRow {
  const values: [number | null, number | null] = [left ?? null, right ?? null];
  const [a, b] = values;
  if (a === null || b === null) return { key, label, values, diff: null, agrees: null };
  const diff = b - a;
  return { key, label, values, diff, agrees: Math.abs(diff) <= tolerance };
}

/** A run a comparison can stand on: it finished, and verify reconciled its batch. */
function comparable(r: RunRecord): boolean {
  return r.status === 'succeeded' && r.stages.some((s) => s.name === 'verify' && s.status === 'succeeded');
}

/** The newest comparable run of each profile for each batch. */
function newestRuns(runs: RunRecord[]): Map<number, Map<string, RunRecord>> {
  const out = new Map<number, Map<string, RunRecord>>();
  for (const r of [...runs].filter(comparable).sort((x, y) => y.startedAt.localeCompare(x.startedAt))) {
    const byProfile = out.get(r.batch) ?? new Map<string, RunRecord>();
    if (!byProfile.has(r.profile)) byProfile.set(r.profile, r);
    out.set(r.batch, byProfile);
  }
  return out;
}

/** By default a local profile beside an aws one, else the two run most recently. */
function defaultPair(byProfile: Map<string, RunRecord>, kinds: Map<string, ProfileKind>): [string, string] {
  const names = [...byProfile.keys()];
  const local = names.find((n) => kinds.get(n) !== 'aws');
  const cloud = names.find((n) => kinds.get(n) === 'aws');
  if (local && cloud) return [local, cloud];
  return [names[1]!, names[0]!];
}

function reconciliationOf(r: RunRecord): Map<string, DatasetReconciliation> {
  const report = r.stages.find((s) => s.name === 'verify')?.result?.outputs?.report as VerifyReport | undefined;
  return new Map((report?.reconciliation ?? []).map((d) => [d.dataset, d]));
}

function countsOf(r: RunRecord): Map<string, number> {
  const out = new Map<string, number>();
  for (const [zone, datasets] of Object.entries(runSummary(r, '').rows)) for (const [dataset, n] of Object.entries(datasets)) out.set(`${zone}.${dataset}`, n);
  return out;
}

const union = <T>(a: Iterable<T>, b: Iterable<T>) => [...new Set([...a, ...b])];
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function compareRuns(input: CompareInput): Promise<Widget<ProfileComparison>> {
  const byBatch = newestRuns(input.runs);
  const batches = [...byBatch].filter(([, p]) => p.size >= 2).map(([b]) => b).sort((x, y) => y - x);
  const batch = input.batch ?? batches[0];
  if (batch === undefined) {
    return { available: false, reason: 'Nothing to compare yet: run the same batch to the end on two profiles (local and cloud-emulator, say), and their runs appear here side by side.' };
  }
  const byProfile = byBatch.get(batch) ?? new Map<string, RunRecord>();
  const [leftName, rightName] = input.profiles ?? (byProfile.size >= 2 ? defaultPair(byProfile, input.kinds) : []);
  if (!leftName || !rightName) {
    return { available: false, reason: `Batch ${batch} has ${byProfile.size ? `a finished run on ${[...byProfile.keys()].join(', ')} only` : 'no finished run'}: run it to the end on a second profile to compare.` };
  }
  const sideRuns = [leftName, rightName].map((name) => {
    const run = byProfile.get(name);
    if (!run) {
      throw new ApiError('not_found', `profiles: ${name} has no finished run of batch ${batch} (one whose verify stage succeeded).`, {
        hint: `Run batch ${batch} on ${name} to the end, or pick one of: ${[...byProfile.keys()].join(', ') || 'none yet'}.`,
      });
    }
    return run;
  }) as [RunRecord, RunRecord];
  const [left, right] = sideRuns;
  const sides = sideRuns.map((r) => ({ profile: r.profile, kind: input.kinds.get(r.profile) ?? 'local', runId: r.runId, startedAt: r.startedAt, seconds: r.seconds })) as [CompareSide, CompareSide];

  const [lc, rc] = [countsOf(left), countsOf(right)];
  const counts = union(lc.keys(), rc.keys()).map((k) => compareValues(k, k, lc.get(k), rc.get(k)));

  const [lr, rr] = [reconciliationOf(left), reconciliationOf(right)];
  const reconciliation = union(lr.keys(), rr.keys()).map((dataset) => {
    const [a, b] = [lr.get(dataset), rr.get(dataset)];
    const rows = RECONCILED.map((f) => compareValues(`${dataset}.${f.key}`, f.label, a?.[f.key] as number | undefined, b?.[f.key] as number | undefined));
    const balanced: [boolean | null, boolean | null] = [a?.balanced ?? null, b?.balanced ?? null];
    return { dataset, balanced, rows, agrees: balanced[0] === true && balanced[1] === true && rows.every((x) => x.agrees === true) };
  });

  // the two warehouses are read one after the other: the second may be a reader opened for this call
  const kpiSides = [await input.kpis(leftName), await input.kpis(rightName)];
  const unavailable = kpiSides.flatMap((k, i) => (k.available ? [] : [{ profile: sides[i]!.profile, reason: k.reason }]));
  const valuesOf = (i: number) => {
    const k = kpiSides[i]!;
    return k.available ? k.values : null;
  };
  const kpiRows = KPIS.map((k) => compareValues(k.key, k.label, valuesOf(0)?.[k.key], valuesOf(1)?.[k.key], k.tolerance));

  const stageNames = union(left.stages.map((s) => s.name), right.stages.map((s) => s.name));
  const stages = stageNames.map((stage) => {
    const [a, b] = [left.stages.find((s) => s.name === stage), right.stages.find((s) => s.name === stage)];
    return {
      stage,
      status: [a?.status ?? null, b?.status ?? null] as [string | null, string | null],
      seconds: [a?.seconds ?? null, b?.seconds ?? null] as [number | null, number | null],
      noop: [a?.result?.noop === true, b?.result?.noop === true] as [boolean, boolean],
    };
  });

  const off = (rows: CompareRow[]) => rows.filter((r) => r.agrees === false).length;
  const oneSided = counts.filter((r) => r.agrees === null).length;
  const countsOff = off(counts);
  const reconOff = reconciliation.filter((r) => !r.agrees).length;
  const kpisOff = off(kpiRows);
  const agree = countsOff === 0 && reconOff === 0 && kpisOff === 0 && unavailable.length === 0;
  const pair = `${sides[0].profile} and ${sides[1].profile}`;
  const compared = `${plural(counts.length - oneSided, 'count')}, ${plural(reconciliation.length, 'reconciled dataset')} and ${plural(kpiRows.length, 'KPI')}`;
  const summary = agree
    ? `${pair} agree on batch ${batch}: ${compared} are the same.${oneSided ? ` ${plural(oneSided, 'count')} only one run recorded.` : ''}`
    : `${pair} disagree on batch ${batch}: ${[
        countsOff ? `${plural(countsOff, 'count')} differ` : '',
        reconOff ? `${plural(reconOff, 'dataset')} do not reconcile alike` : '',
        kpisOff ? `${plural(kpisOff, 'KPI')} differ` : '',
        ...unavailable.map((u) => `no KPIs on ${u.profile}`),
      ]
        .filter(Boolean)
        .join(', ')}.`;
  return { available: true, batch, batches, profiles: [...byProfile.keys()].sort(), sides, counts, reconciliation, kpis: { rows: kpiRows, unavailable }, stages, agree, summary };
}
