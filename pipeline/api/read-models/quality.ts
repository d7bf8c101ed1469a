// Data quality at a glance: what cleanse quarantined and why, whether every batch reconciles
// (raw = duplicates + quarantined + curated, curated = loaded), dbt test results with their failing
// rows on demand (the test's compiled SQL run against the warehouse: dbt stores no failure tables),
// and how fresh the loaded data is.

import type { Lake } from '../../lake/types.ts';
import type { WarehouseReader } from '../../warehouse/reader.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import type { FailingRows, QualityOverview } from '../protocol.ts';
import { allTests, readDbtArtifacts, testResults, testSql, type DbtArtifacts } from './lineage.ts';
import { dialectSql } from './dialect.ts';
import { curatedManifests } from './manifests.ts';
import type { SqlConsole } from './sql-console.ts';

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

async function reconciliation(warehouse: WarehouseReader, tables: Set<string>): Promise<QualityOverview['reconciliation']> {
  if (!tables.has('raw.batch_audit')) return { available: false, reason: 'No load has run yet: raw.batch_audit is written by the load stage.' };
  const rows = await warehouse.queryObjects(
    `SELECT batch_id, dataset, raw_rows, duplicates_removed, quarantined_rows, curated_rows, loaded_rows, CAST(loaded_at AS VARCHAR) AS loaded_at
     FROM raw.batch_audit ORDER BY batch_id, dataset`,
  );
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

/** Each loaded table's latest load and latest record; the tables and columns are the load stage's own. */
async function freshness(warehouse: WarehouseReader, tables: Set<string>): Promise<QualityOverview['freshness']> {
  const out: NonNullable<QualityOverview['freshness']['rows']> = [];
  const { ident } = dialectSql(warehouse.dialect);
  for (const [table, recordCol] of [
    ['members', 'updated_at'],
    ['providers', 'updated_at'],
    ['claims', 'ingestion_ts'],
  ] as const) {
    if (!tables.has(`raw.${table}`)) continue;
    const [r] = await warehouse.queryObjects(`SELECT CAST(max(_loaded_at) AS VARCHAR) AS loaded, CAST(max(${ident(recordCol)}) AS VARCHAR) AS record, count(*) AS n FROM raw.${ident(table)}`);
    out.push({ table: `raw.${table}`, latestLoad: r!.loaded === null ? null : String(r!.loaded), latestRecord: r!.record === null ? null : String(r!.record), rows: num(r!.n) });
  }
  if (!out.length) return { available: false, reason: 'No load has run yet: freshness is measured on the raw tables.' };
  return { available: true, rows: out };
}

/**
 * Claims on days their member was not covered, against all current claims: a quality figure, not
 * a test (a real feed has such claims); PMPM attributes claims to eligibility months and leaves
 * these out, so the paid they carry is said beside the count.
 */
async function outsideEligibility(warehouse: WarehouseReader, tables: Set<string>): Promise<QualityOverview['outsideEligibility']> {
  if (!tables.has('marts.mart_claims_outside_eligibility') || !tables.has('marts.fct_claims')) {
    return { available: false, reason: 'No dbt run yet: marts.mart_claims_outside_eligibility is built by the transform stage.' };
  }
  const [r] = await warehouse.queryObjects(
    `SELECT o.claims, o.paid, a.claims AS of_claims, a.paid AS of_paid
     FROM (SELECT count(*) AS claims, coalesce(sum(paid_amount), 0) AS paid FROM marts.mart_claims_outside_eligibility) AS o
     CROSS JOIN (SELECT count(*) AS claims, coalesce(sum(paid_amount), 0) AS paid FROM marts.fct_claims) AS a`,
  );
  return { available: true, claims: num(r!.claims), paid: num(r!.paid), ofClaims: num(r!.of_claims), ofPaid: num(r!.of_paid) };
}

export async function qualityOverview(layout: WorkspacePaths, lake: Lake, warehouse: WarehouseReader): Promise<QualityOverview> {
  const q = await quarantine(lake);
  const artifacts = readDbtArtifacts(layout.dbtTarget);
  const now = warehouse.availability();
  if (!now.available) {
    const noWarehouse = { available: false as const, reason: now.reason };
    const tests = artifacts ? { available: true as const, runAt: artifacts.runResults?.metadata?.generated_at ?? null, results: testResults(artifacts, allTests(artifacts)) } : noWarehouse;
    return { quarantine: q, reconciliation: noWarehouse, tests, freshness: noWarehouse, outsideEligibility: noWarehouse };
  }
  const existing = new Set((await warehouse.tables()).map((t) => `${t.schema}.${t.table}`));
  const tests: QualityOverview['tests'] = artifacts
    ? { available: true, runAt: artifacts.runResults?.metadata?.generated_at ?? null, results: testResults(artifacts, allTests(artifacts)) }
    : { available: false, reason: 'No dbt run yet: test results appear after the transform stage.' };
  const [recon, fresh, outside] = await Promise.all([
    section(reconciliation(warehouse, existing)),
    section(freshness(warehouse, existing)),
    section(outsideEligibility(warehouse, existing)),
  ]);
  return { quarantine: q, reconciliation: recon, tests, freshness: fresh, outsideEligibility: outside };
}

/** A section that cannot be read says why, and the rest of the overview still shows. */
async function section<T extends { available: boolean }>(p: Promise<T>): Promise<T | { available: false; reason: string }> {
  try {
    return await p;
  } catch (err) {
    return { available: false, reason: (err as Error).message.split('\n')[0] ?? String(err) };
  }
}

/** Rows a test returns now: the failing rows, read like a console query (read-only, capped, timed). */
export async function failingRows(artifacts: DbtArtifacts | null, warehouse: WarehouseReader, sqlConsole: SqlConsole, id: string, limit = 100, check?: (sql: string, test: string) => void): Promise<FailingRows> {
  const test = testSql(artifacts, id);
  check?.(test.sql, test.name);
  // the limit goes into the query so the warehouse stops early; one row more tells whether there are more
  const body = test.sql.trim().replace(/;+\s*$/, '');
  const sql = `select * from (\n${body}\n) as failing_rows limit ${limit + 1}`;
  const result = await sqlConsole.query(warehouse, { sql, limit });
  return { ...result, test: test.name, sql: test.sql };
}
