import type { CuratedManifest } from '../cleanse/types.ts';
import type { RawManifest } from '../ingest/manifest.ts';
import type { Warehouse } from '../warehouse/types.ts';

export interface DatasetReconciliation {
  dataset: string;
  landed_rows: number;
  raw_rows: number;
  curated_rows: number;
  quarantined_rows: number;
  duplicates_removed: number;
  loaded_rows: number;
  balanced: boolean;
  problems: string[];
}

export interface FreshnessCheck {
  dataset: string;
  latest_loaded_at: string | null;
  age_hours: number | null;
  fresh: boolean;
}

export interface VerifyReport {
  batch: number;
  reconciliation: DatasetReconciliation[];
  freshness: FreshnessCheck[];
  freshness_limit_hours: number;
  ok: boolean;
  problems: string[];
}

/**
 * Checks that nothing was lost: per dataset, rows landed = rows read by cleanse = curated +
 * quarantined + removed duplicates, and the warehouse holds exactly the curated rows.
 */
export async function reconcile(batch: number, raw: RawManifest, curated: CuratedManifest, warehouse: Warehouse, freshnessHours: number, now = new Date()): Promise<VerifyReport> {
  const reconciliation: DatasetReconciliation[] = [];
  for (const [dataset, r] of Object.entries(raw.datasets)) {
    const c = curated.datasets[dataset];
    const problems: string[] = [];
    const loaded = await warehouse.countRows(dataset, batch);
    const row: DatasetReconciliation = {
      dataset,
      landed_rows: r.rows,
      raw_rows: c?.raw_rows ?? 0,
      curated_rows: c?.curated_rows ?? 0,
      quarantined_rows: c?.quarantined_rows ?? 0,
      duplicates_removed: c?.duplicates_removed ?? 0,
      loaded_rows: loaded,
      balanced: false,
      problems,
    };
    if (!c) problems.push(`${dataset}: batch ${batch} was landed but never cleansed`);
    if (row.raw_rows !== row.landed_rows) problems.push(`${dataset}: ${row.landed_rows} rows landed in raw but cleanse read ${row.raw_rows}`);
    const accounted = row.curated_rows + row.quarantined_rows + row.duplicates_removed;
    if (accounted !== row.raw_rows) {
      problems.push(`${dataset}: raw ${row.raw_rows} ≠ curated ${row.curated_rows} + quarantined ${row.quarantined_rows} + duplicates ${row.duplicates_removed} (= ${accounted}); ${row.raw_rows - accounted} rows unaccounted for`);
    }
    if (loaded !== row.curated_rows) problems.push(`${dataset}: warehouse holds ${loaded} rows of batch ${batch} but ${row.curated_rows} were curated`);
    row.balanced = problems.length === 0;
    reconciliation.push(row);
  }
  const freshness = (await warehouse.freshness()).map((f) => {
    const age = f.latest_loaded_at ? (now.getTime() - new Date(f.latest_loaded_at).getTime()) / 3_600_000 : null;
    return { dataset: f.dataset, latest_loaded_at: f.latest_loaded_at, age_hours: age === null ? null : Math.round(age * 100) / 100, fresh: age !== null && age <= freshnessHours };
  });
  const problems = [
    ...reconciliation.flatMap((r) => r.problems),
    ...freshness.filter((f) => !f.fresh).map((f) => (f.latest_loaded_at ? `${f.dataset}: last loaded ${f.age_hours} h ago, more than ${freshnessHours} h` : `${f.dataset}: never loaded`)),
  ];
  return { batch, reconciliation, freshness, freshness_limit_hours: freshnessHours, ok: problems.length === 0, problems };
}
