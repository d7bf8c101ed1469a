import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows } from '../duckdb/connection.ts';
import { loadRun } from '../orchestrator/store.ts';
import { tempDir } from '../testing/tmp.ts';
import { settleInterruptedRunsIfIdle, startPipelineRun } from './index.ts';

const run = promisify(execFile);
// dbt's own behaviour over batches is tested in dbt/tests_python and stages/transform.test.ts;
// these tests are about the stages around it, so most leave it out to stay quick.
const NO_DBT = ['generate', 'ingest', 'cleanse', 'load', 'verify'] as const;
const stages = [...NO_DBT];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function workspace(profile?: string): Promise<string> {
  const { dir, cleanup } = await tempDir('ws-');
  cleanups.push(cleanup);
  if (profile) await writeFile(join(dir, 'profiles.yaml'), profile);
  return dir;
}

const SMALL = (dirty: number, claims = 12_000) => `active: small
profiles:
  small:
    generate: { seed: 9, members: 1200, providers: 200, claims: ${claims}, dirty_rate: ${dirty} }
    retry: { max_attempts: 1, base_delay_ms: 0 }
`;

/** Reads a warehouse file read-only and returns rows of a query. */
async function warehouseRows<T>(ws: string, sql: string): Promise<T[]> {
  const db = await openDuckDB({ path: join(ws, 'warehouse.duckdb'), readOnly: true });
  try {
    return await queryRows<T>(db.conn, sql);
  } finally {
    db.close();
  }
}

describe('local pipeline', () => {
  it('quarantines exactly the rows the ground truth lists, with the right reasons, and balances', async () => {
    const ws = await workspace(SMALL(0.06));
    const { summary } = await startPipelineRun({ workspace: ws, batch: 1, stages });
    expect(summary.status).toBe('succeeded');
    const truth = (await readFile(join(ws, 'generated/batch=1/ground_truth.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    const expectedQuarantine = truth.filter((t) => /^[A-Z_]+$/.test(t[5]!)).map((t) => `${t[0]}|raw/csv/${t[1]}|${t[2]}|${t[5]}`.replace(`raw/csv/${t[0]}/`, `raw/csv/${t[0]}/batch=1/`)).sort();
    const quarantined = (
      await warehouseRows<{ dataset: string; source_file: string; line_number: number; reason: string }>(ws, 'SELECT dataset, source_file, line_number, reason FROM raw.quarantine WHERE batch_id = 1')
    )
      .map((q) => `${q.dataset}|${q.source_file}|${q.line_number}|${q.reason}`)
      .sort();
    expect(quarantined.length).toBeGreaterThan(300);
    expect(quarantined).toEqual(expectedQuarantine);
    const expectedDuplicates = truth.filter((t) => t[5] === 'duplicate_removed').map((t) => `${t[0]}|${t[2]}`).sort();
    const duplicates = (await warehouseRows<{ dataset: string; line_number: number }>(ws, 'SELECT dataset, line_number FROM raw.duplicates WHERE batch_id = 1')).map((d) => `${d.dataset}|${d.line_number}`).sort();
    expect(duplicates).toEqual(expectedDuplicates);
    // every quarantined row keeps its original fields
    const originals = await warehouseRows<{ n: number }>(ws, `SELECT count(*)::INT AS n FROM raw.quarantine WHERE original_values IS NULL OR original_values = '{}'`);
    expect(originals[0]!.n).toBe(0);
    for (const r of summary.reconciliation!) {
      expect(r.balanced, r.dataset).toBe(true);
      expect(r.curated_rows + r.quarantined_rows + r.duplicates_removed).toBe(r.raw_rows);
    }
    // repaired defects (whitespace, case, date formats) load with clean values
    const [clean] = await warehouseRows<Record<string, number>>(
      ws,
      `SELECT count(*) FILTER (WHERE claim_status NOT IN ('received','pending','paid','denied','adjusted','reversed'))::INT AS bad_status,
              count(*) FILTER (WHERE member_id <> trim(member_id) OR member_id <> upper(member_id))::INT AS bad_member
       FROM raw.claims`,
    );
    expect(clean).toEqual({ bad_status: 0, bad_member: 0 });
    // derived columns, checked against independent formulas
    const [derived] = await warehouseRows<Record<string, number>>(
      ws,
      `SELECT
        count(*) FILTER (WHERE member_age_at_service <> date_part('year', age(service_from::TIMESTAMP, member_birth_date::TIMESTAMP)))::INT AS bad_age,
        count(*) FILTER (WHERE member_birth_date IS DISTINCT FROM (SELECT any_value(birth_date) FROM raw.members m WHERE m.member_id = c.member_id))::INT AS bad_birth_date,
        count(*) FILTER (WHERE high_value_flag <> (billed_amount >= 50000) OR (value_bucket = 'HIGH') <> high_value_flag)::INT AS bad_flag,
        count(*) FILTER (WHERE turnaround_days IS DISTINCT FROM (paid_date - received_date) OR adjudication_days IS DISTINCT FROM (adjudicated_date - received_date))::INT AS bad_days,
        count(*) FILTER (WHERE reimbursement_ratio_allowed IS DISTINCT FROM CASE WHEN allowed_amount > 0 THEN round(paid_amount / allowed_amount, 4) END)::INT AS bad_ratio,
        count(*) FILTER (WHERE service_year <> year(service_from) OR service_month <> month(service_from))::INT AS bad_partition,
        count(*) FILTER (WHERE age_band <> CASE WHEN member_age_at_service < 18 THEN '0-17' WHEN member_age_at_service < 35 THEN '18-34' WHEN member_age_at_service < 50 THEN '35-49' WHEN member_age_at_service < 65 THEN '50-64' ELSE '65+' END)::INT AS bad_band
       FROM raw.claims c`,
    );
    expect(derived).toEqual({ bad_age: 0, bad_birth_date: 0, bad_flag: 0, bad_days: 0, bad_ratio: 0, bad_partition: 0, bad_band: 0 });
  });

  it('changes nothing when the same batch runs again (warehouse content hash)', async () => {
    const ws = await workspace(SMALL(0.02));
    // order-independent content hash of every loaded table, without the load timestamps
    const hash = async () =>
      (
        await warehouseRows<{ h: string }>(
          ws,
          `SELECT concat_ws('/',
             (SELECT sum(hash(t))::VARCHAR FROM (SELECT * EXCLUDE (_loaded_at) FROM raw.claims) t),
             (SELECT sum(hash(t))::VARCHAR FROM (SELECT * EXCLUDE (_loaded_at) FROM raw.members) t),
             (SELECT sum(hash(t))::VARCHAR FROM (SELECT * EXCLUDE (_loaded_at) FROM raw.providers) t),
             (SELECT sum(hash(t))::VARCHAR FROM (SELECT * EXCLUDE (quarantined_at) FROM raw.quarantine) t),
             (SELECT count(*)::VARCHAR FROM raw.claims)) AS h`,
        )
      )[0]!.h;
    expect((await startPipelineRun({ workspace: ws, batch: 1, stages })).summary.status).toBe('succeeded');
    const first = await hash();
    const again = await startPipelineRun({ workspace: ws, batch: 1, stages });
    expect(again.summary.status).toBe('succeeded');
    expect(again.summary.stages.filter((s) => s.status !== 'skipped').map((s) => [s.summary, s.noop ?? false])).toEqual([
      ['already generated (no-op): reused ' + join(ws, 'generated/batch=1'), true],
      ['already landed (no-op)', true],
      ['already cleansed (no-op)', true],
      ['already loaded (no-op)', true],
      ['reconciled', false],
    ]);
    expect(await hash()).toBe(first);
    // forcing every stage again still gives the same content
    expect((await startPipelineRun({ workspace: ws, batch: 1, force: true, stages })).summary.status).toBe('succeeded');
    expect(await hash()).toBe(first);
  });

  it('resumes a failed run from its first unfinished stage without redoing finished ones', async () => {
    const ws = await workspace(SMALL(0));
    // a directory where the warehouse file should be makes the load stage fail for real
    await mkdir(join(ws, 'warehouse.duckdb'));
    const failed = await startPipelineRun({ workspace: ws, batch: 1 });
    expect(failed.summary.status).toBe('failed');
    expect(failed.summary.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'pending', 'pending']);
    const generatedAt = (await stat(join(ws, 'generated/batch=1/claims/part-00000.csv'))).mtimeMs;
    await rm(join(ws, 'warehouse.duckdb'), { recursive: true });
    const resumed = await startPipelineRun({ workspace: ws, batch: 1, resumeRunId: failed.record.runId });
    expect(resumed.summary.status).toBe('succeeded');
    const record = await loadRun(ws, resumed.record.runId);
    expect(record.resumedFrom).toBe(failed.record.runId);
    expect(record.stages.map((s) => [s.name, s.status, s.restoredFrom ?? null])).toEqual([
      ['generate', 'succeeded', failed.record.runId],
      ['ingest', 'succeeded', failed.record.runId],
      ['cleanse', 'succeeded', failed.record.runId],
      ['load', 'succeeded', null],
      ['transform', 'succeeded', null],
      ['verify', 'succeeded', null],
    ]);
    expect((await stat(join(ws, 'generated/batch=1/claims/part-00000.csv'))).mtimeMs).toBe(generatedAt);
    const events = (await readFile(join(ws, 'runs', resumed.record.runId, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'stage.started').map((e) => e.stage)).toEqual(['load', 'transform', 'verify']);
  });

  it('leaves no partial curated output when killed during cleanse, and the killed run is settled and resumes', async () => {
    const ws = await workspace(SMALL(0, 400_000));
    expect((await startPipelineRun({ workspace: ws, batch: 1, stages: ['generate', 'ingest'] })).summary.status).toBe('succeeded');
    const child = spawn(process.execPath, ['bin/claims.mjs', 'run', '--workspace', ws, '--stages', 'cleanse', '--json'], { stdio: 'ignore' });
    // kill once the cleanse has written work files into staging
    const deadline = Date.now() + 60_000;
    let seen = false;
    while (Date.now() < deadline && !seen) {
      const staging = join(ws, 'lake/_staging');
      seen = existsSync(staging) && (await readdir(staging, { recursive: true }).catch(() => [])).some((f) => String(f).includes('claims'));
      if (!seen) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen, 'the cleanse reached the claims dataset before the kill').toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(join(ws, 'lake/_manifests/curated/batch=1.json'))).toBe(false);
    expect(existsSync(join(ws, 'lake/processed'))).toBe(false);
    // the killed run is recorded as failed in cleanse once nobody holds the workspace, and resumes
    const [killed, ...others] = await settleInterruptedRunsIfIdle(ws);
    expect(others).toEqual([]);
    const record = await loadRun(ws, killed!);
    expect(record).toMatchObject({ status: 'failed', error: { stage: 'cleanse', message: expect.stringMatching(/^Interrupted: the process running stage cleanse stopped/) } });
    expect(record.stages.find((s) => s.name === 'cleanse')).toMatchObject({ status: 'failed', endedAt: expect.any(String) });
    const resumed = await startPipelineRun({ workspace: ws, batch: 1, resumeRunId: killed });
    expect(resumed.summary.status).toBe('succeeded');
    expect(resumed.record.resumedFrom).toBe(killed);
    expect(await readdir(join(ws, 'lake/_staging')).catch(() => [])).toEqual([]);
    expect(resumed.summary.rows.curated!.claims).toBeGreaterThan(390_000);
  });

  it('holds every claim version after batches 1, 2, 3 and the right latest state', async () => {
    const ws = await workspace(SMALL(0));
    for (const batch of [1, 2, 3]) expect((await startPipelineRun({ workspace: ws, batch, stages })).summary.status).toBe('succeeded');
    const db = await openDuckDB();
    try {
      await db.conn.run(`ATTACH '${join(ws, 'warehouse.duckdb')}' AS wh (READ_ONLY)`);
      await db.conn.run(`CREATE VIEW gen AS SELECT * FROM read_csv('${ws}/generated/batch=*/claims/*.csv', header = true, all_varchar = true, hive_partitioning = true)`);
      const [r] = await queryRows<Record<string, number>>(
        db.conn,
        `SELECT
          (SELECT count(*) FROM gen)::INT AS generated_versions,
          (SELECT count(*) FROM wh.raw.claims)::INT AS loaded_versions,
          (SELECT count(*) FROM (SELECT claim_id, claim_version::INT FROM gen EXCEPT SELECT claim_id, claim_version FROM wh.raw.claims))::INT AS missing,
          (SELECT count(*) FROM wh.raw.claims WHERE claim_version > 1)::INT AS later_versions,
          (SELECT count(*) FROM (
             SELECT claim_id, claim_status FROM gen QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY claim_version::INT DESC) = 1
             EXCEPT SELECT claim_id, claim_status FROM wh.raw.claims_current))::INT AS wrong_latest,
          (SELECT count(*) FROM wh.raw.claims_current)::INT AS current_rows,
          (SELECT count(DISTINCT claim_id) FROM gen)::INT AS distinct_claims`,
      );
      expect(r!.loaded_versions).toBe(r!.generated_versions);
      expect(r!.later_versions).toBeGreaterThan(100);
      expect(r).toMatchObject({ missing: 0, wrong_latest: 0, current_rows: r!.distinct_claims });
    } finally {
      db.close();
    }
  });
});

describe('bad input fails the stage with a message naming the file, line and fix', () => {
  async function landedWith(mutate: (claimsFile: string) => Promise<void>): Promise<{ message: string; stage: string }> {
    const ws = await workspace(SMALL(0, 3000));
    expect((await startPipelineRun({ workspace: ws, batch: 1, stages: ['generate'] })).summary.status).toBe('succeeded');
    await mutate(join(ws, 'generated/batch=1/claims/part-00000.csv'));
    const r = await startPipelineRun({ workspace: ws, batch: 1, stages });
    const failed = r.summary.stages.find((s) => s.status === 'failed');
    expect(r.summary.status).toBe('failed');
    return { message: failed!.error!, stage: failed!.name };
  }
  const rewrite = (f: string, edit: (text: string) => string | Buffer) => readFile(f, 'utf8').then((t) => writeFile(f, edit(t)));

  it('missing file', async () => {
    const r = await landedWith((f) => rm(f));
    expect(r.stage).toBe('ingest');
    expect(r.message).toMatch(/claims.*holds no claims CSV files.*Generate batch 1 first/);
  });
  it('empty file', async () => {
    const r = await landedWith((f) => writeFile(f, ''));
    expect(r.message).toMatch(/part-00000\.csv: file is empty \(expected at least a header line\)/);
  });
  it('unreadable file (a directory in its place)', async () => {
    const r = await landedWith(async (f) => {
      await rm(f);
      await mkdir(f);
    });
    expect(r.message).toMatch(/part-00000\.csv: is not a regular file/);
  });
  it('header that does not match the contract', async () => {
    const r = await landedWith((f) => rewrite(f, (t) => t.replace('billed_amount', 'amount')));
    expect(r.message).toMatch(/part-00000\.csv line 1: header does not match the claims contract \(missing billed_amount; unexpected amount\)/);
  });
  it('unterminated quote', async () => {
    const r = await landedWith((f) => rewrite(f, (t) => t.split('\n').map((l, i) => (i === 7 ? l.replace(',professional,', ',"professional,').replace(',pharmacy,', ',"pharmacy,').replace(',institutional,', ',"institutional,') : l)).join('\n')));
    expect(r.stage).toBe('cleanse');
    expect(r.message).toMatch(/raw\/csv\/claims\/batch=1\/part-00000\.csv line 8: a quoted field is never closed \(unterminated quote\)/);
  });
  it('wrong delimiter', async () => {
    const r = await landedWith((f) => rewrite(f, (t) => t.replaceAll(',', ';')));
    expect(r.message).toMatch(/part-00000\.csv line 1: uses ";" as the delimiter, not ","/);
  });
  it('wrong encoding (UTF-16)', async () => {
    const r = await landedWith((f) => readFile(f, 'utf8').then((t) => writeFile(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]))));
    expect(r.message).toMatch(/part-00000\.csv line 1: is UTF-16 encoded, not UTF-8\. Re-export the file as UTF-8/);
  });
  it('invalid UTF-8 bytes deep in the file', async () => {
    const r = await landedWith((f) =>
      readFile(f).then((b) => {
        const lines = b.toString('latin1').split('\n');
        lines[41] = lines[41]!.replace(',', '\xe9,');
        return writeFile(f, Buffer.from(lines.join('\n'), 'latin1'));
      }),
    );
    expect(r.message).toMatch(/part-00000\.csv line 42: is not valid UTF-8/);
  });
});

/** Ids of the running processes whose environment holds `entry` (Linux /proc; elsewhere none can be read). */
async function processesWith(entry: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc').catch(() => [])).filter((p) => /^\d+$/.test(p))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(entry)) found.push(Number(pid));
  }
  return found;
}

describe('claims CLI', () => {
  it('prints one machine-readable summary with --json', async () => {
    const ws = await workspace(SMALL(0.03, 4000));
    // the CLI starts dbt with the run (dbt-worker.ts); every process it started inherits this mark
    const mark = `${process.pid}-${Date.now()}`;
    const { stdout } = await run(process.execPath, ['bin/claims.mjs', 'run', '--workspace', ws, '--json'], { maxBuffer: 1 << 24, env: { ...process.env, CLAIMS_TEST_RUN_MARK: mark } });
    expect(await processesWith(`CLAIMS_TEST_RUN_MARK=${mark}`), 'the invocation leaves no dbt process behind').toEqual([]);
    const s = JSON.parse(stdout);
    expect(s.status).toBe('succeeded');
    expect(s.stages.map((x: { name: string }) => x.name)).toEqual(['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify'].filter((n) => n !== 'transform' || s.stages.some((x: { name: string }) => x.name === 'transform')));
    for (const st of s.stages) expect(typeof st.seconds).toBe('number');
    expect(Object.keys(s.rows)).toEqual(expect.arrayContaining(['generated', 'raw', 'curated', 'quarantine', 'warehouse']));
    expect(s.quarantine.claims).toBeDefined();
    expect(s.warehouse).toBe(join(ws, 'warehouse.duckdb'));
  });
  it('rejects bad options with a clear message', async () => {
    const err = await run(process.execPath, ['bin/claims.mjs', 'run', '--stages', 'cleanse,bake']).catch((e) => e);
    expect(err.stderr).toMatch(/--stages: unknown stage bake; stages are generate, ingest, cleanse, load, transform, verify/);
    const err2 = await run(process.execPath, ['bin/claims.mjs', 'run', '--batch', 'x']).catch((e) => e);
    expect(err2.stderr).toMatch(/--batch: expected a batch number from 1 to 36/);
  });
});
