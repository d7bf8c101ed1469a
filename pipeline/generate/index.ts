import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { contract as contractOf, duckdbType, loadContracts } from '../contract-loader/load.ts';
import type { Contract, ContractSet } from '../contract-loader/types.ts';
import { openDuckDB, queryNumber, queryRows } from '../duckdb/connection.ts';
import { ident, literal } from '../duckdb/sql.ts';
import { claimBlocks, claimRowsSql, claimSkeletonSql, memberBlocksSql } from './claims.ts';
import { CLAIM_DEFECTS, DEFECT_OUTCOME, DIMENSION_DEFECTS, JUNK_SHARE, type DefectKind, type DefectSpec, choiceColumns, defectChoiceSql, defectColumnSql } from './dirty.ts';
import { fieldExpressions, lineSql, quoted, text } from './format.ts';
import { buildLookups } from './lookups.ts';
import { memberBatchSql, memberUniverseSql } from './members.ts';
import { type GenerateOptions } from './options.ts';
import { buildPools } from './pools.ts';
import { npiSql, providerBatchSql, providerLookupsFlattenSql, providerLookupsSql, providerUniverseSql } from './providers.ts';
import { asOfDate } from './timeline.ts';

export const GENERATOR_VERSION = 1;

export interface GeneratedFile {
  path: string; // relative to the output directory
  format: 'csv' | 'parquet';
  rows: number;
  bytes: number;
  sha256: string;
}

export interface GenerateManifest {
  generator_version: number;
  options: Omit<GenerateOptions, 'out' | 'threads' | 'memoryLimit' | 'rowsPerFile'>;
  as_of: string;
  datasets: Record<string, { rows: number; files: GeneratedFile[] }>;
  defects: { total: number; by_kind: Record<string, number>; by_dataset: Record<string, number>; ground_truth: string | null };
  seconds: number;
}

export type GenerateProgress = { phase: 'setup' | 'members' | 'providers' | 'claims' | 'ground_truth' | 'parquet' | 'checksums'; done: number; total: number; message?: string };

export interface GenerateHooks {
  onProgress?: (p: GenerateProgress) => void;
  signal?: AbortSignal;
}

const RAW_LINE_COPY = `(HEADER true, QUOTE '', ESCAPE '', DELIMITER '\x1f')`;

/** Runs a statement while reporting DuckDB's own progress, and interrupts it on abort. */
async function runWithProgress(conn: DuckDBConnection, sql: string, hooks: GenerateHooks, report: (fraction: number) => void): Promise<number> {
  const onAbort = () => conn.interrupt();
  hooks.signal?.addEventListener('abort', onAbort);
  const timer = setInterval(() => {
    const p = conn.progress;
    if (p && p.percentage >= 0) report(Math.min(1, p.percentage / 100));
  }, 200);
  try {
    return await queryNumber(conn, sql);
  } finally {
    clearInterval(timer);
    hooks.signal?.removeEventListener('abort', onAbort);
  }
}

function checkAbort(signal?: AbortSignal) {
  if (signal?.aborted) throw new Error('Generation cancelled');
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Renders the members contract columns from a typed members row `m`. */
function memberFields(c: Contract): string[] {
  return fieldExpressions(c, {
    member_id: 'm.member_id',
    first_name: quoted('m.first_name'),
    last_name: quoted('m.last_name'),
    birth_date: text('m.birth_date'),
    gender: 'm.gender',
    street: quoted('m.street'),
    city: quoted('m.city'),
    state: 'm.state',
    zip: 'm.zip',
    county: quoted('m.county'),
    plan_id: 'm.plan_id',
    line_of_business: 'm.line_of_business',
    coverage_start: text('m.coverage_start'),
    coverage_end: text('m.coverage_end'),
    updated_at: text('m.updated_at'),
  });
}

function providerFields(c: Contract): string[] {
  return fieldExpressions(c, {
    provider_id: 'm.provider_id',
    provider_name: quoted('m.provider_name'),
    provider_type: 'm.provider_type',
    specialty_code: 'm.specialty_code',
    taxonomy_code: 'm.taxonomy_code',
    street: quoted('m.street'),
    city: quoted('m.city'),
    state: 'm.state',
    zip: 'm.zip',
    network_status: 'm.network_status',
    updated_at: text('m.updated_at'),
  });
}

/** Claims columns as typed SQL values; the clean path lets DuckDB's CSV writer render them. */
function claimTyped(c: Contract): string[] {
  const cents = (col: string) => `(${col} / 100)::DECIMAL(14,2)`;
  return fieldExpressions(c, {
    claim_id: 'x.claim_id',
    claim_version: 'x.claim_version',
    member_id: 'x.member_id',
    provider_id: 'x.provider_id',
    claim_type: 'x.claim_type',
    service_from: 'x.service_from',
    service_to: 'x.service_to',
    received_date: 'x.received_date',
    adjudicated_date: 'x.adjudicated_date',
    paid_date: 'x.paid_date',
    primary_diagnosis_code: 'x.primary_diagnosis_code',
    secondary_diagnosis_code_1: 'x.secondary_diagnosis_code_1',
    secondary_diagnosis_code_2: 'x.secondary_diagnosis_code_2',
    secondary_diagnosis_code_3: 'x.secondary_diagnosis_code_3',
    place_of_service: 'x.place_of_service',
    billed_amount: cents('x.billed_c'),
    allowed_amount: cents('x.allowed_c'),
    paid_amount: cents('x.paid_amount_c'),
    deductible_amount: cents('x.deductible_c'),
    copay_amount: cents('x.copay_c_out'),
    coinsurance_amount: cents('x.coinsurance_c'),
    claim_status: 'x.claim_status',
    denial_reason: 'x.denial_reason',
    ingestion_ts: 'x.ingestion_ts',
  });
}

interface DefectRow {
  dataset: string;
  file: string;
  line: number;
  column: string | null;
  kind: DefectKind;
}

/**
 * Writes a members or providers file. These are small, so the final lines (real rows with in-place
 * defects, inline duplicates, appended junk rows) are materialised with their line numbers, and the
 * ground truth is read straight from that table.
 */
async function writeDimension(
  conn: DuckDBConnection,
  o: GenerateOptions,
  c: Contract,
  rowsSql: string,
  fields: string[],
  file: string,
  junkId: (seq: string) => string,
  badNpi?: string,
): Promise<{ rows: number; defects: DefectRow[] }> {
  const dataset = c.dataset as 'members' | 'providers';
  const keyCol = dataset === 'members' ? 'member_id' : 'provider_id';
  const stream = dataset === 'members' ? 9100 : 9200;
  const { inPlace, junk } = DIMENSION_DEFECTS[dataset];
  const header = c.columns.map((col) => col.name).join(',');
  await conn.run(`CREATE OR REPLACE TEMP TABLE dim_rows AS SELECT row_number() OVER (ORDER BY idx) - 1 AS pos, * FROM (${rowsSql})`);
  const n = await queryNumber(conn, 'SELECT count(*) FROM dim_rows');
  if (o.dirtyRate === 0) {
    await conn.run(`COPY (SELECT ${lineSql({ contract: c, fields })} AS ${ident(header)} FROM dim_rows m ORDER BY pos) TO ${literal(file)} ${RAW_LINE_COPY}`);
    return { rows: n, defects: [] };
  }
  const drawn = choiceColumns(defectChoiceSql(o.seed, stream + o.batch * 10, 0, 'r.pos', o.dirtyRate * (1 - JUNK_SHARE), inPlace), 'm');
  const choice = drawn.choice;
  const dupIdx = inPlace.findIndex((s) => s.kind === 'duplicate_row');
  const junkCount = Math.round(n * o.dirtyRate * JUNK_SHARE);
  const junkDrawn = choiceColumns(defectChoiceSql(o.seed, stream + 5 + o.batch * 10, 1, 'r.pos', 1, junk), 'm');
  const junkChoice = junkDrawn.choice;
  // Junk rows copy a real row's values under a fresh id that no claim references.
  await conn.run(`CREATE OR REPLACE TEMP TABLE dim_lines AS
    SELECT pos, copy, line, kind, col FROM (
      SELECT m.pos, unnest(CASE WHEN ${choice.kind} = ${dupIdx} THEN [0, 1] ELSE [0] END) AS copy,
        ${lineSql({ contract: c, fields, specs: inPlace, choice })} AS line,
        ${choice.kind} AS kind_ix, ${defectColumnSql(inPlace, choice.kind, choice.column)} AS col,
        CASE WHEN ${choice.kind} >= 0 THEN [${inPlace.map((s) => literal(s.kind)).join(', ')}][${choice.kind} + 1] END AS kind
      FROM (SELECT r.*, ${drawn.select} FROM dim_rows r) m
      UNION ALL
      SELECT ${n} + m.pos AS pos, 0 AS copy,
        ${lineSql({ contract: c, fields, specs: junk, choice: junkChoice, context: { badNpi } })} AS line,
        ${junkChoice.kind} AS kind_ix, ${defectColumnSql(junk, junkChoice.kind, junkChoice.column)} AS col,
        [${junk.map((s) => literal(s.kind)).join(', ')}][${junkChoice.kind} + 1] AS kind
      FROM (SELECT r.* REPLACE (${junkId('r.pos')} AS ${keyCol}), ${junkDrawn.select} FROM dim_rows r WHERE r.pos < ${junkCount}) m
    ) ORDER BY pos, copy`);
  await conn.run(`COPY (SELECT line AS ${ident(header)} FROM dim_lines ORDER BY pos, copy) TO ${literal(file)} ${RAW_LINE_COPY}`);
  const rows = await queryNumber(conn, 'SELECT count(*) FROM dim_lines');
  // A duplicate's second copy is the extra line; every other defect is on its own line.
  const defects = await queryRows<{ line: number; col: string | null; kind: DefectKind }>(
    conn,
    `SELECT line_no AS line, col, kind FROM (
       SELECT row_number() OVER (ORDER BY pos, copy) + 1 AS line_no, kind, col, copy FROM dim_lines)
     WHERE kind IS NOT NULL AND (kind <> 'duplicate_row' OR copy = 1) ORDER BY line_no`,
  );
  return { rows, defects: defects.map((d) => ({ dataset, file, line: Number(d.line), column: d.col, kind: d.kind })) };
}

/**
 * Generates batch `o.batch` of the synthetic world into `o.out`. Deterministic: the same options
 * give byte-identical files whatever the thread count.
 */
export async function generate(o: GenerateOptions, hooks: GenerateHooks = {}, contracts: ContractSet = loadContracts()): Promise<GenerateManifest> {
  const started = performance.now();
  const progress = (p: GenerateProgress) => hooks.onProgress?.(p);
  progress({ phase: 'setup', done: 0, total: 1, message: 'building pools and reference lookups' });
  const members = contractOf(contracts, 'members');
  const providers = contractOf(contracts, 'providers');
  const claims = contractOf(contracts, 'claims');

  const dirs = { members: join(o.out, 'members'), providers: join(o.out, 'providers'), claims: join(o.out, 'claims') };
  for (const d of Object.values(dirs)) {
    await rm(d, { recursive: true, force: true });
    await mkdir(d, { recursive: true });
  }
  await rm(join(o.out, 'ground_truth.csv'), { force: true });
  const tmp = join(o.out, '.tmp');
  await mkdir(tmp, { recursive: true });
  const db = await openDuckDB({ threads: o.threads, memoryLimit: o.memoryLimit ?? '1GB', tempDirectory: tmp });
  const conn = db.conn;
  const files: Record<'members' | 'providers' | 'claims', GeneratedFile[]> = { members: [], providers: [], claims: [] };
  const defects: DefectRow[] = [];
  let groundTruth: string | null = null;
  try {
    await buildLookups(conn, contracts, buildPools(o.seed));
    await conn.run(memberUniverseSql(o.seed, o.members, o.batch));
    await conn.run(providerUniverseSql(o.seed, o.providers));
    await conn.run(providerLookupsSql());
    await conn.run(providerLookupsFlattenSql());
    const blocks = claimBlocks(o.claims, o.batch);
    await conn.run(memberBlocksSql(blocks));
    progress({ phase: 'setup', done: 1, total: 1 });
    checkAbort(hooks.signal);

    // members and providers
    progress({ phase: 'members', done: 0, total: 1 });
    const membersFile = join(dirs.members, 'part-00000.csv');
    const m = await writeDimension(conn, o, members, memberBatchSql(o.batch), memberFields(members), membersFile, (seq) => `'M8' || lpad((${seq} + 1)::VARCHAR, 8, '0')`);
    files.members.push({ path: membersFile, format: 'csv', rows: m.rows, bytes: 0, sha256: '' });
    defects.push(...m.defects);
    progress({ phase: 'members', done: 1, total: 1 });
    checkAbort(hooks.signal);

    progress({ phase: 'providers', done: 0, total: 1 });
    const providersFile = join(dirs.providers, 'part-00000.csv');
    // junk NPIs come from indexes past every real and orphan NPI, so they never collide
    const junkNpi = (seq: string) => npiSql(o.seed, `(${o.providers} + 2000000 + ${seq})`);
    const badNpi = `(left(m.provider_id, 9) || ((right(m.provider_id, 1)::INTEGER + 1) % 10)::VARCHAR)`;
    const p = await writeDimension(conn, o, providers, providerBatchSql(o.batch), providerFields(providers), providersFile, junkNpi, badNpi);
    files.providers.push({ path: providersFile, format: 'csv', rows: p.rows, bytes: 0, sha256: '' });
    defects.push(...p.defects);
    progress({ phase: 'providers', done: 1, total: 1 });

    // claims, in parts over claim-ordinal ranges
    const universe = blocks.reduce((s, b) => s + b.size, 0);
    const expected = o.batch === 1 ? o.claims : Math.ceil(universe / 6);
    // about rowsPerFile rows per file, so no file grows unwieldy and later stages can read parts in parallel
    const parts = Math.max(1, Math.ceil(expected / o.rowsPerFile));
    const header = claims.columns.map((col) => col.name).join(',');
    const typed = claimTyped(claims);
    // the same values as text, for lines that carry defects; byte-identical to the CSV writer's output
    const fields = typed.map((t) => text(t));
    const claimStream = 9300 + o.batch * 10;
    for (let part = 0; part < parts; part++) {
      checkAbort(hooks.signal);
      const lo = Math.floor((universe * part) / parts);
      const hi = Math.floor((universe * (part + 1)) / parts);
      const file = join(dirs.claims, `part-${String(part).padStart(5, '0')}.csv`);
      await conn.run(claimSkeletonSql(lo, hi));
      const rowsSql = claimRowsSql(o.seed, o.batch);
      let sql: string;
      if (o.dirtyRate === 0) {
        const columns = typed.map((t, i) => `${t} AS ${ident(claims.columns[i]!.name)}`).join(', ');
        sql = `COPY (SELECT ${columns} FROM (${rowsSql}) x) TO ${literal(file)} (HEADER true, DELIMITER ',', QUOTE '"')`;
      } else {
        const { select: drawnColumns, choice } = choiceColumns(defectChoiceSql(o.seed, claimStream, part, 'r.pos', o.dirtyRate, CLAIM_DEFECTS), 'x');
        const dupIdx = CLAIM_DEFECTS.findIndex((s) => s.kind === 'duplicate_row');
        const context = {
          orphanMember: `'M9' || lpad((floor(${choice.variant} * 99999999))::BIGINT::VARCHAR, 8, '0')`,
          orphanProvider: npiSql(o.seed, `(${o.providers} + floor(${choice.variant} * 1000000)::BIGINT)`),
        };
        // Rows first, then lines: a row's position in the file (which picks its defect) is its rowid
        // in this table, where row_number() OVER () would run the whole query on one thread.
        // (most of the part's work is here, so it reports the first two thirds of the part's progress)
        await runWithProgress(conn, `CREATE OR REPLACE TEMP TABLE claim_rows AS ${rowsSql}`, hooks, (f) => progress({ phase: 'claims', done: part + (2 * f) / 3, total: parts }));
        // unnest in the select list keeps a duplicate next to its original (a lateral unnest would not)
        sql = `COPY (
          SELECT unnest(CASE WHEN dup THEN [line, line] ELSE [line] END) AS ${ident(header)} FROM (
            SELECT ${lineSql({ contract: claims, fields, specs: CLAIM_DEFECTS, choice, context })} AS line,
                   ${choice.kind} = ${dupIdx} AS dup
            FROM (SELECT r.*, ${drawnColumns} FROM (SELECT rowid AS pos, * FROM claim_rows) r) x
          )
        ) TO ${literal(file)} ${RAW_LINE_COPY}`;
      }
      const start = o.dirtyRate === 0 ? 0 : 2 / 3;
      const written = await runWithProgress(conn, sql, hooks, (f) => progress({ phase: 'claims', done: part + start + (1 - start) * f, total: parts }));
      files.claims.push({ path: file, format: 'csv', rows: written, bytes: 0, sha256: '' });
      if (o.dirtyRate > 0) {
        // the part's rows are in its file now; free them before the next part or the parquet pass
        await conn.run('DROP TABLE claim_rows');
        defects.push(...(await claimDefects(conn, o, part, written, relative(o.out, file))));
      }
      progress({ phase: 'claims', done: part + 1, total: parts });
    }

    if (o.dirtyRate > 0) {
      progress({ phase: 'ground_truth', done: 0, total: 1 });
      groundTruth = join(o.out, 'ground_truth.csv');
      await writeGroundTruth(groundTruth, defects, o.out);
      progress({ phase: 'ground_truth', done: 1, total: 1 });
    }

    if (o.format !== 'csv') {
      const all = [...files.members, ...files.providers, ...files.claims];
      let done = 0;
      for (const [name, list] of Object.entries(files)) {
        const c = contractOf(contracts, name);
        for (const f of [...list]) {
          const pq = f.path.replace(/\.csv$/, '.parquet');
          await conn.run(`COPY (SELECT * FROM read_csv(${literal(f.path)}, header = true, auto_detect = false, quote = '"', escape = '"',
              columns = {${c.columns.map((col) => `${literal(col.name)}: ${literal(duckdbType(col.type))}`).join(', ')}}))
            TO ${literal(pq)} (FORMAT parquet, COMPRESSION zstd)`);
          list.push({ path: pq, format: 'parquet', rows: f.rows, bytes: 0, sha256: '' });
          if (o.format === 'parquet') {
            await rm(f.path);
            list.splice(list.indexOf(f), 1);
          }
          progress({ phase: 'parquet', done: ++done, total: all.length });
        }
      }
    }
  } finally {
    db.close();
    await rm(tmp, { recursive: true, force: true });
  }

  const all = Object.values(files).flat();
  let done = 0;
  for (const f of all) {
    progress({ phase: 'checksums', done: done++, total: all.length });
    f.bytes = (await stat(f.path)).size;
    f.sha256 = await sha256(f.path);
    f.path = relative(o.out, f.path);
  }
  progress({ phase: 'checksums', done: all.length, total: all.length });

  const byKind: Record<string, number> = {};
  const byDataset: Record<string, number> = {};
  for (const d of defects) {
    byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
    byDataset[d.dataset] = (byDataset[d.dataset] ?? 0) + 1;
  }
  const manifest: GenerateManifest = {
    generator_version: GENERATOR_VERSION,
    options: { seed: o.seed, members: o.members, providers: o.providers, claims: o.claims, batch: o.batch, dirtyRate: o.dirtyRate, format: o.format },
    as_of: asOfDate(o.batch),
    datasets: Object.fromEntries(
      Object.entries(files).map(([k, list]) => [k, { rows: list.filter((f) => f.format === list[0]?.format).reduce((s, f) => s + f.rows, 0), files: list }]),
    ),
    defects: { total: defects.length, by_kind: byKind, by_dataset: byDataset, ground_truth: groundTruth ? 'ground_truth.csv' : null },
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  await writeFile(join(o.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The defects of one claims part, listed from row positions alone (see defectChoiceSql). A row
 * picked for duplication is followed by its copy, which shifts later line numbers by one.
 */
async function claimDefects(conn: DuckDBConnection, o: GenerateOptions, part: number, written: number, relFile: string): Promise<DefectRow[]> {
  const claimStream = 9300 + o.batch * 10;
  const choice = defectChoiceSql(o.seed, claimStream, part, 'x.pos', o.dirtyRate, CLAIM_DEFECTS);
  const dupIdx = CLAIM_DEFECTS.findIndex((s) => s.kind === 'duplicate_row');
  await conn.run(`CREATE OR REPLACE TEMP TABLE part_defects AS
    SELECT pos, kind_ix, col FROM (
      SELECT x.pos, ${choice.kind} AS kind_ix, ${defectColumnSql(CLAIM_DEFECTS, choice.kind, choice.column)} AS col
      FROM (SELECT range AS pos FROM range(${written})) x)
    WHERE kind_ix >= 0 ORDER BY pos`);
  // rows written = data rows + duplicates among them: find the data row count n with n + dups(< n) = written
  const dups = (await queryRows<{ pos: number }>(conn, `SELECT pos FROM part_defects WHERE kind_ix = ${dupIdx} ORDER BY pos`)).map((r) => Number(r.pos));
  let n = written;
  for (let j = 0; j <= dups.length; j++) {
    const candidate = written - j;
    const before = j === 0 ? -1 : dups[j - 1]!;
    const next = j < dups.length ? dups[j]! : Infinity;
    if (before < candidate && next >= candidate) {
      n = candidate;
      break;
    }
  }
  const kinds = `[${CLAIM_DEFECTS.map((s) => literal(s.kind)).join(', ')}]`;
  const rows = await queryRows<{ line: number; col: string | null; kind: DefectKind }>(
    conn,
    `SELECT pos + 2 + coalesce(sum((kind_ix = ${dupIdx})::INTEGER) OVER (ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
              + (kind_ix = ${dupIdx})::INTEGER AS line,
            col, ${kinds}[kind_ix + 1] AS kind
     FROM part_defects WHERE pos < ${n} ORDER BY pos`,
  );
  return rows.map((r) => ({ dataset: 'claims', file: relFile, line: Number(r.line), column: r.col, kind: r.kind }));
}

async function writeGroundTruth(path: string, defects: DefectRow[], out: string): Promise<void> {
  const lines = ['dataset,file,line,column,kind,expected'];
  for (const d of defects) {
    const file = d.file.startsWith(out) ? relative(out, d.file) : d.file;
    lines.push([d.dataset, file, d.line, d.column ?? '', d.kind, DEFECT_OUTCOME[d.kind]].join(','));
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

export type { DefectSpec };
