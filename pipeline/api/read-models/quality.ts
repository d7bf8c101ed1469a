// Data quality at a glance: what cleanse quarantined and why, whether every batch reconciles
// (raw = duplicates + quarantined + curated, curated = loaded), dbt test results with the tables
// holding their failing rows, and how fresh the loaded data is.

import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../../duckdb/sql.ts';
import type { QualityOverview } from '../protocol.ts';
import { relationColumns, warehouseTables } from './catalog.ts';
import { allTests, readDbtArtifacts, testResults } from './lineage.ts';
import { curatedManifests } from './manifests.ts';
import type { WarehouseReader } from './warehouse-reader.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import type { Lake } from '../../lake/types.ts';

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** Quarantined rows per dataset, reason and batch, as each batch's commit recorded them. */
async function quarantine(lake: Lake): Promise<QualityOverview['quarantine']> {
  const manifests = await curatedManifests(lake);
  if (!manifests.length) return { available: false, reason: 'No cleanse has run yet: quarantined rows appear here after the cleanse stage.' };
  const rows: NonNullable<QualityOverview['quarantine']['rows']> = [];
  for (const m of manifests) {
    for (const [dataset, d] of Object.entries(m.datasets ?? {})) {
      for (const [reason, n] of Object.entries(d.quarantine_by_reason ?? {})) if (n > 0) rows.push({ dataset, reason, batch: m.batch, rows: n });
    }
  }
  return { available: true, rows: rows.sort((a, b) => a.dataset.localeCompare(b.dataset) || b.rows - a.rows || a.batch - b.batch) };
}

async function reconciliation(conn: DuckDBConnection): Promise<QualityOverview['reconciliation']> {
  const cols = await relationColumns(conn, 'raw', 'batch_audit');
  if (!cols.size) return { available: false, reason: 'No load has run yet: raw.batch_audit is written by the load stage.' };
  const rows = (
    await conn.runAndReadAll(
      `SELECT batch_id, dataset, raw_rows, duplicates_removed, quarantined_rows, curated_rows, loaded_rows, CAST(loaded_at AS VARCHAR) AS loaded_at
       FROM raw.batch_audit ORDER BY batch_id, dataset`,
    )
  ).getRowObjectsJson();
  return {
    available: true,
    rows: rows.map((r) => {
      const row = {
        batch: num(r.batch_id),
        dataset: String(r.dataset),
        rawRows: num(r.raw_rows),
        duplicatesRemoved: num(r.duplicates_removed),
        quarantinedRows: num(r.quarantined_rows),
        curatedRows: num(r.curated_rows),
        loadedRows: num(r.loaded_rows),
        loadedAt: r.loaded_at === null ? null : String(r.loaded_at),
      };
      return { ...row, balanced: row.rawRows === row.duplicatesRemoved + row.quarantinedRows + row.curatedRows && row.curatedRows === row.loadedRows };
    }),
  };
}

async function freshness(conn: DuckDBConnection): Promise<QualityOverview['freshness']> {
  const out: NonNullable<QualityOverview['freshness']['rows']> = [];
  for (const [table, recordCol] of [
    ['members', 'updated_at'],
    ['providers', 'updated_at'],
    ['claims', 'ingestion_ts'],
  ] as const) {
    const cols = await relationColumns(conn, 'raw', table);
    if (!cols.size) continue;
    const loaded = cols.has('_loaded_at') ? `CAST(max(_loaded_at) AS VARCHAR)` : 'NULL';
    const record = cols.has(recordCol) ? `CAST(max(${ident(recordCol)}) AS VARCHAR)` : 'NULL';
    const r = (await conn.runAndReadAll(`SELECT ${loaded} AS loaded, ${record} AS record, count(*) AS n FROM raw.${ident(table)}`)).getRowObjectsJson()[0]!;
    out.push({ table: `raw.${table}`, latestLoad: r.loaded === null ? null : String(r.loaded), latestRecord: r.record === null ? null : String(r.record), rows: num(r.n) });
  }
  if (!out.length) return { available: false, reason: 'No load has run yet: freshness is measured on the raw tables.' };
  return { available: true, rows: out };
}

export async function qualityOverview(layout: WorkspacePaths, lake: Lake, warehouse: WarehouseReader): Promise<QualityOverview> {
  const q = await quarantine(lake);
  const artifacts = readDbtArtifacts(layout.dbtTarget);
  const noWarehouse = { available: false as const, reason: warehouse.blocked ? `The warehouse is busy: ${warehouse.blocked}.` : 'No pipeline run yet: there is no warehouse in this workspace.' };
  if (!warehouse.exists() || warehouse.blocked) {
    const tests = artifacts ? { available: true as const, runAt: artifacts.runResults?.metadata?.generated_at ?? null, results: testResults(artifacts, allTests(artifacts), new Set()) } : noWarehouse;
    return { quarantine: q, reconciliation: noWarehouse, tests, freshness: noWarehouse };
  }
  return warehouse.use(async (conn) => {
    const existing = new Set((await warehouseTables(conn)).map((t) => `${t.schema}.${t.table}`));
    const tests: QualityOverview['tests'] = artifacts
      ? { available: true, runAt: artifacts.runResults?.metadata?.generated_at ?? null, results: testResults(artifacts, allTests(artifacts), existing) }
      : { available: false, reason: 'No dbt run yet: test results appear after the transform stage.' };
    return { quarantine: q, reconciliation: await reconciliation(conn), tests, freshness: await freshness(conn) };
  });
}
