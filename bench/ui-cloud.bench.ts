// The Data view's page of a large table on the cloud emulator's Snowflake, beside the same page of
// the same rows on DuckDB: the service API calls the grid makes, timed in-process, several times,
// median reported. The emulator's Snowflake is fakesnow (each statement translated by sqlglot,
// then run by DuckDB in the emulator's process, behind our Node-driver adapter), so this measures
// our reader's SQL and round trips on fakesnow, not Snowflake's speed.
// The rows: raw.claims of a local workspace built by `claims run` (to the load stage), copied to
// the emulator's RAW.CLAIMS the way Glue job 2 loads on the emulator (Parquet PUT to an internal
// stage, COPY INTO by column name). BENCH_UI_CLAIMS (default 1M), BENCH_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDuckDB } from '../pipeline/duckdb/connection.ts';
import { startEmulator, stopEmulator } from '../pipeline/emulator/controller.ts';
import { createClaimsService, type ClaimsService } from '../pipeline/api/service.ts';
import type { ApiMethod } from '../pipeline/api/protocol.ts';
import { CLOUD_EMULATOR_PROFILE } from '../pipeline/profiles/load.ts';
import { workspacePaths } from '../pipeline/workspace.ts';
import { fmt, machine, measure, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLAIMS = Number(process.env.BENCH_UI_CLAIMS ?? 1_000_000);
const WS = join(process.env.BENCH_DIR ?? '/tmp/claims-bench', `ws-ui-cloud-${CLAIMS}`);
const paths = workspacePaths(WS);
const CLI = ['bin/claims.mjs'];

if (!existsSync(paths.warehouse)) {
  await mkdir(WS, { recursive: true });
  await writeFile(
    join(WS, 'profiles.yaml'),
    `active: bench\nprofiles:\n  bench:\n    generate: { seed: 42, members: ${Math.round(CLAIMS / 20)}, providers: ${Math.max(200, Math.round(CLAIMS / 500))}, claims: ${CLAIMS}, dirty_rate: 0.01 }\n    retry: { max_attempts: 1 }\n`,
  );
  console.log(`building ${WS} with ${CLAIMS.toLocaleString('en-US')} claims through claims run (to the load stage)…`);
  await measure(process.execPath, [...CLI, 'run', '--workspace', WS, '--stages', 'generate,ingest,cleanse,load', '--json']);
}

const emulator = await startEmulator(WS);
try {
  await measure(process.execPath, [...CLI, 'deploy', '--profile', 'cloud-emulator', '--workspace', WS, '--json']);
  // (a service caches counts: the copy is checked by a second one)
  const before = createClaimsService({ workspace: WS, log: () => {} });
  const localRows = await rowsOn(before, 'bench');
  const copied = (await rowsOn(before, 'cloud-emulator')) === localRows;
  await before.close();
  if (!copied) await copyClaimsToEmulator();
  const service = createClaimsService({ workspace: WS, log: () => {} });
  try {
    const cloudRows = await rowsOn(service, 'cloud-emulator');
    if (cloudRows !== localRows) throw new Error(`the emulator's RAW.CLAIMS holds ${cloudRows} rows after the copy, the local raw.claims ${localRows}`);

    const claims = { source: 'warehouse' as const, name: 'raw.claims' };
    const deep = Math.floor(localRows / 2);
    const cases: [string, ApiMethod, unknown][] = [
      ['first page (200 rows)', 'datasets.page', { ref: claims, offset: 0, limit: 200 }],
      ['next page (row 200)', 'datasets.page', { ref: claims, offset: 200, limit: 200 }],
      [`page at row ${deep.toLocaleString('en-US')}`, 'datasets.page', { ref: claims, offset: deep, limit: 200 }],
      ['sorted by paid_amount desc', 'datasets.page', { ref: claims, offset: 0, limit: 200, sort: [{ column: 'paid_amount', dir: 'desc' }] }],
      ['filtered claim_status = denied', 'datasets.page', { ref: claims, offset: 0, limit: 200, filters: [{ column: 'claim_status', op: 'eq', value: 'denied' }] }],
      ['filtered and sorted', 'datasets.page', { ref: claims, offset: 0, limit: 200, filters: [{ column: 'claim_status', op: 'eq', value: 'denied' }], sort: [{ column: 'billed_amount', dir: 'desc' }] }],
      ['column profile (paid_amount)', 'datasets.profile', { ref: claims, column: 'paid_amount' }],
    ];
    const results: Record<string, unknown> = { machine: machine(), runs: RUNS, rows: localRows, workspace: WS, cases: {} };
    const times: Record<string, Record<string, number[]>> = {};
    for (const profile of ['bench', 'cloud-emulator']) {
      await activate(service, profile);
      for (const [label, method, payload] of cases) {
        const ms: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const started = performance.now();
          const r = await service.call(method, payload);
          ms.push(performance.now() - started);
          if (!r.ok) throw new Error(`${profile}: ${label}: ${r.error.message}`);
        }
        (times[label] ??= {})[profile] = ms;
        console.log(profile.padEnd(15), label.padEnd(34), `${fmt(median(ms), 0)} ms`);
      }
    }
    results.cases = times;
    const file = await saveResult('ui-cloud', results);
    const m = results.machine as Record<string, string | number>;
    const rows = cases.map(([label]) => {
      const d = median(times[label]!.bench!);
      const c = median(times[label]!['cloud-emulator']!);
      return `| ${label} | ${fmt(d, 0)} | ${fmt(c, 0)} | ${fmt(c / d, 1)}× |`;
    });
    await writeDocSection(
      'ui-cloud',
      `### The Data view's page on the cloud emulator beside DuckDB

The calls the grid makes on raw.claims with ${localRows.toLocaleString('en-US')} rows, in-process, ${RUNS} runs each, median
(first run included; ${m.cores} cores, ${m.memory_gb} GB, ${m.node}). Raw results: \`${file.replace(/^.*bench\//, 'bench/')}\`.
The emulator's Snowflake is **fakesnow**: each statement goes through our Node-driver adapter and fakesnow's
sqlglot translation, then DuckDB in the emulator's process. The numbers say what the reader's Snowflake SQL
(keyset pages, counts, profiles) costs on fakesnow, not what Snowflake would take; on an account the
warehouse's size, its cache and the network decide.

| call | DuckDB (local) ms | fakesnow (cloud-emulator) ms | ratio |
|---|---:|---:|---:|
${rows.join('\n')}`,
    );
  } finally {
    await service.close();
  }
} finally {
  if (emulator.started) await stopEmulator(WS);
}

async function activate(service: ClaimsService, name: string): Promise<void> {
  const r = await service.call('profiles.activate', { name });
  if (!r.ok) throw new Error(`profiles.activate ${name}: ${r.error.message}`);
}

async function rowsOn(service: ClaimsService, profile: string): Promise<number> {
  await activate(service, profile);
  const r = await service.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.claims' }, offset: 0, limit: 1 });
  if (!r.ok) return -1;
  return Number(r.result.total ?? -1);
}

/** raw.claims as Parquet, PUT to an internal stage and COPYed by column name: Glue job 2's route on the emulator. */
async function copyClaimsToEmulator(): Promise<void> {
  const dir = join(paths.tmp, 'bench-ui-cloud');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'claims.parquet');
  const db = await openDuckDB({ path: paths.warehouse, readOnly: true });
  try {
    await db.conn.run(`COPY raw.claims TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
  const sf = CLOUD_EMULATOR_PROFILE.snowflake;
  const endpoint = new URL(emulator.endpoints.snowflakePython);
  const script = `
import sys, snowflake.connector
host, port, db, schema, user, path = sys.argv[1:]
conn = snowflake.connector.connect(host=host, port=int(port), protocol="http", account="emulator", user=user, password="bench", database=db, schema=schema)
cur = conn.cursor()
for sql in [
    "CREATE STAGE IF NOT EXISTS BENCH_UI_CLOUD",
    f"PUT 'file://{path}' @BENCH_UI_CLOUD AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
    "DELETE FROM CLAIMS",
    "COPY INTO CLAIMS FROM @BENCH_UI_CLOUD FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE",
]:
    cur.execute(sql)
conn.close()
`;
  console.log('copying raw.claims to the emulator\u2019s RAW.CLAIMS (PUT + COPY INTO)…');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-python.mjs'), '-c', script, endpoint.hostname, endpoint.port, sf.database, sf.raw_schema, CLOUD_EMULATOR_PROFILE.snowflake.user, file], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (r.status !== 0) throw new Error(`copy to the emulator failed:\n${r.stdout}\n${r.stderr}`);
}
