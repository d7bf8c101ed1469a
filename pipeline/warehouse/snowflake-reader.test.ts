// The Snowflake warehouse (verify side) and reader against the cloud emulator. RAW is made as
// deploy and Glue job 2 make it: deploy's plan creates the database, schemas and the job's RAW
// tables; a batch is then written the way the job's transaction writes it (delete the batch,
// insert its rows, write its audit rows).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { historyTimeline, searchHistory } from '../api/read-models/history.ts';
import { qualityOverview } from '../api/read-models/quality.ts';
import { LocalLake } from '../lake/local.ts';
import { tempDir } from '../testing/tmp.ts';
import { workspacePaths } from '../workspace.ts';
import { loadContracts } from '../contract-loader/load.ts';
import type { EmulatorInfo } from '../emulator/record.ts';
import { sharedEmulator } from '../emulator/testing/shared.ts';
import { SnowflakeSession } from '../snowflake/connection.ts';
import { applyPlan, planDeploy } from '../snowflake/deploy/plan.ts';
import { PageTooDeepError } from '../snowflake/keyset.ts';
import { emulatorSettings, testSecret } from '../snowflake/testing/emulator-settings.ts';
import { FilterValueError, UnknownColumnError, UnknownRelationError, UserQueryError } from './reader.ts';
import { SnowflakeWarehouseReader } from './snowflake-reader.ts';
import { SnowflakeWarehouse } from './snowflake.ts';

const contracts = loadContracts();
const env = { CLAIMS_TEST_SNOWFLAKE_PASSWORD: testSecret() };
let emulator: EmulatorInfo;
let s: SnowflakeSession;
let reader: SnowflakeWarehouseReader;
const DB = 'READER_TEST';

beforeAll(async () => {
  emulator = await sharedEmulator();
  reader = new SnowflakeWarehouseReader(emulatorSettings(emulator, DB), { env, pageWindow: 40, maxPageDepth: 1_000 });
  s = await SnowflakeSession.open(emulatorSettings(emulator, DB), { env, database: null });
});

afterAll(async () => {
  await reader?.close();
  await s?.close();
});

describe('Snowflake warehouse and reader on the emulator', () => {
  it('is missing before deploy, available after', async () => {
    // (fakesnow makes the database a session logs in to, so here it is RAW that is missing)
    expect(await reader.refresh()).toMatchObject({ available: false, why: 'missing', reason: expect.stringMatching(/^Snowflake (database READER_TEST|schema READER_TEST\.RAW) does not exist yet/) });
    await applyPlan(s, await planDeploy(s, emulatorSettings(emulator, DB), contracts));
    expect(await reader.refresh()).toEqual({ available: true });
  });

  it('answers verify from RAW as the load job writes it', async () => {
    const raw = `${DB}.RAW`;
    // the job's transaction for batch 1 (glue/hfc_glue/snowflake_sql.py load_batch_sql), by hand
    await s.execute(`DELETE FROM ${raw}.PROVIDERS WHERE _BATCH_ID = 1`);
    await s.execute(
      `INSERT INTO ${raw}.PROVIDERS (PROVIDER_ID, PROVIDER_NAME, _BATCH_ID, _LOADED_AT, _SOURCE_FILE, _SOURCE_LINE)
       SELECT '1' || LPAD(CAST(SEQ4() AS VARCHAR), 9, '0'), 'Clinic ' || SEQ4(), 1, CAST('2026-12-01 10:00:00.250' AS TIMESTAMP_NTZ), 'providers.csv', SEQ4() + 2 FROM TABLE(GENERATOR(ROWCOUNT => 7))`,
    );
    await s.execute(`DELETE FROM ${raw}.BATCH_AUDIT WHERE BATCH_ID = 1`);
    for (const [dataset, rows] of [['providers', 7], ['members', 0], ['claims', 0]] as const) {
      await s.execute(`INSERT INTO ${raw}.BATCH_AUDIT SELECT 1, ?, 'txn-1', ?, 0, 1, ?, ?, CAST('2026-12-01 10:00:00.250' AS TIMESTAMP_NTZ)`, [dataset, rows + 1, rows, rows]);
    }
    const calls: number[] = [];
    const wh = new SnowflakeWarehouse(emulatorSettings(emulator, DB), contracts, async (req) => {
      calls.push(req.batch);
      return { batch: req.batch, loaded: true, loadedAt: '', datasets: [] };
    }, { env });
    try {
      const audit = await wh.audit(1);
      expect(audit.map((a) => a.dataset)).toEqual(['members', 'providers', 'claims']);
      expect(audit[1]).toEqual({ batch_id: 1, dataset: 'providers', txn: 'txn-1', raw_rows: 8, duplicates_removed: 0, quarantined_rows: 1, curated_rows: 7, loaded_rows: 7, loaded_at: '2026-12-01T10:00:00.250Z' });
      expect(await wh.audit(2)).toEqual([]);
      expect(await wh.countRows('providers', 1)).toBe(7);
      expect(await wh.countRows('providers', 2)).toBe(0);
      expect(await wh.freshness()).toEqual([
        { dataset: 'members', latest_loaded_at: null },
        { dataset: 'providers', latest_loaded_at: '2026-12-01T10:00:00.250Z' },
        { dataset: 'claims', latest_loaded_at: null },
      ]);
      await wh.loadBatch({ batch: 3, manifest: {} as never, lake: {} as never });
      expect(calls).toEqual([3]);
    } finally {
      await wh.close();
    }
  });

  it('lists tables and columns with the product\u2019s names', async () => {
    const tables = await reader.tables();
    expect(tables.filter((t) => t.schema === 'raw').map((t) => t.table).sort()).toEqual(['batch_audit', 'claims', 'duplicates', 'members', 'providers', 'quarantine']);
    const cols = await reader.columns({ schema: 'raw', table: 'batch_audit' });
    expect(cols.map((c) => `${c.name} ${c.type}`)).toEqual([
      'batch_id NUMBER', 'dataset VARCHAR', 'txn VARCHAR', 'raw_rows NUMBER', 'duplicates_removed NUMBER', 'quarantined_rows NUMBER', 'curated_rows NUMBER', 'loaded_rows NUMBER', 'loaded_at TIMESTAMP_NTZ',
    ]);
    expect(await reader.columns({ schema: 'raw', table: 'nope' })).toEqual([]);
    // a read model's own SQL: unquoted names, lower-case keys back
    expect(await reader.queryObjects('SELECT dataset, loaded_rows FROM reader_test.raw.batch_audit WHERE batch_id = ? ORDER BY dataset', [1])).toEqual([
      { dataset: 'claims', loaded_rows: 0 },
      { dataset: 'members', loaded_rows: 0 },
      { dataset: 'providers', loaded_rows: 7 },
    ]);
  });

  it('answers the history read model in Snowflake SQL: versions of an entity, with what changed', async () => {
    const raw = `${DB}.RAW`;
    // provider 1000000003 moves in batch 2; batch 3 resends it unchanged (not a new version)
    const row = (batch: number, city: string, updated: string) =>
      s.execute(
        `INSERT INTO ${raw}.PROVIDERS (PROVIDER_ID, PROVIDER_NAME, CITY, NETWORK_STATUS, UPDATED_AT, _BATCH_ID, _LOADED_AT, _SOURCE_FILE, _SOURCE_LINE)
         SELECT '1000000003', 'Clinic 3', ?, 'in_network', CAST(? AS TIMESTAMP_NTZ), ?, CAST('2026-12-01 10:00:00' AS TIMESTAMP_NTZ), 'providers.csv', 2`,
        [city, updated, batch],
      );
    await s.execute(`UPDATE ${raw}.PROVIDERS SET CITY = 'Albany', NETWORK_STATUS = 'in_network', UPDATED_AT = CAST('2026-01-05 00:00:00' AS TIMESTAMP_NTZ) WHERE PROVIDER_ID = '1000000003'`);
    await row(2, 'Boston', '2026-03-01 00:00:00');
    await row(3, 'Boston', '2026-04-01 00:00:00');
    try {
      const found = await searchHistory(reader, contracts.byName, 'provider', '1000000003');
      expect(found).toEqual({ available: true, matches: [{ id: '1000000003', label: 'Clinic 3', versions: 3 }] });
      expect(await searchHistory(reader, contracts.byName, 'provider', 'clinic 3')).toMatchObject({ matches: [{ id: '1000000003' }] });
      const timeline = await historyTimeline(reader, contracts.byName, 'provider', '1000000003');
      expect(timeline.versions.map((v) => [v.batch, v.values.city, v.isCurrent])).toEqual([
        [1, 'Albany', false],
        [2, 'Boston', true],
      ]);
      expect(timeline.versions[1]!.changed).toEqual([{ column: 'city', from: 'Albany', to: 'Boston' }]);
      expect(timeline.versions[0]!.validTo).toBe(timeline.versions[1]!.validFrom);
    } finally {
      await s.execute(`DELETE FROM ${raw}.PROVIDERS WHERE _BATCH_ID > 1`);
    }
  });

  it('answers the quality overview\u2019s reconciliation, freshness and claims outside eligibility in Snowflake SQL', async () => {
    const { dir, cleanup } = await tempDir('claims-quality-sf-');
    try {
      const overview = await qualityOverview(workspacePaths(dir), new LocalLake(join(dir, 'lake')), reader);
      expect(overview.reconciliation.rows?.map((r) => [r.batch, r.dataset, r.rawRows, r.loadedRows, r.balanced])).toEqual([
        [1, 'claims', 1, 0, true],
        [1, 'members', 1, 0, true],
        [1, 'providers', 8, 7, true],
      ]);
      expect(overview.freshness.rows?.map((r) => [r.table, r.rows, r.latestLoad?.slice(0, 19)])).toEqual([
        ['raw.members', 0, undefined],
        ['raw.providers', 7, '2026-12-01 10:00:00'],
        ['raw.claims', 0, undefined],
      ]);
      // no marts yet: the figure says why it is not there
      expect(overview.outsideEligibility).toMatchObject({ available: false, reason: expect.stringMatching(/transform stage/) });
      // two of three current claims fall outside their member's coverage (the marts made by hand, as dbt would)
      await s.execute(`CREATE TABLE ${DB}.MARTS.FCT_CLAIMS AS SELECT * FROM VALUES ('C1', 100.00), ('C2', 20.50), ('C3', NULL) AS t(CLAIM_ID, PAID_AMOUNT)`);
      await s.execute(`CREATE TABLE ${DB}.MARTS.MART_CLAIMS_OUTSIDE_ELIGIBILITY AS SELECT * FROM VALUES ('C2', 20.50), ('C3', NULL) AS t(CLAIM_ID, PAID_AMOUNT)`);
      try {
        await reader.refresh();
        const withMarts = await qualityOverview(workspacePaths(dir), new LocalLake(join(dir, 'lake')), reader);
        expect(withMarts.outsideEligibility).toEqual({ available: true, claims: 2, paid: 20.5, ofClaims: 3, ofPaid: 120.5 });
      } finally {
        await s.execute(`DROP TABLE ${DB}.MARTS.MART_CLAIMS_OUTSIDE_ELIGIBILITY`);
        await s.execute(`DROP TABLE ${DB}.MARTS.FCT_CLAIMS`);
        await reader.refresh();
      }
    } finally {
      await cleanup();
    }
  });

  it('pages deep by keyset exactly as a full ORDER BY, and counts and profiles', async () => {
    await s.execute(`CREATE OR REPLACE TABLE ${DB}.PUBLIC.ITEMS (ID INTEGER, GRP VARCHAR, AMT NUMBER(10,2), D DATE, TS TIMESTAMP_NTZ)`);
    // ties on the sort keys, NULLs, and exact duplicate rows (ID repeats with the rest)
    await s.execute(
      `INSERT INTO ${DB}.PUBLIC.ITEMS SELECT MOD(SEQ4(), 97), CASE WHEN MOD(SEQ4(), 7) = 0 THEN NULL ELSE 'g' || MOD(SEQ4(), 5) END, MOD(SEQ4(), 13) / 4,
         DATEADD(day, MOD(SEQ4(), 30), CAST('2024-01-01' AS DATE)), DATEADD(second, MOD(SEQ4(), 50), CAST('2024-01-01 00:00:00' AS TIMESTAMP_NTZ)) FROM TABLE(GENERATOR(ROWCOUNT => 400))`,
    );
    const ref = { schema: 'public', table: 'items' };
    const sort = [
      { column: 'grp', dir: 'desc' as const },
      { column: 'amt', dir: 'asc' as const },
    ];
    const full = (await s.execute(`SELECT * FROM ${DB}.PUBLIC.ITEMS ORDER BY GRP DESC NULLS LAST, AMT ASC NULLS LAST, ID, D, TS`)).rows;
    expect(full).toHaveLength(400);
    for (const offset of [0, 39, 40, 79, 263, 390]) {
      expect(await reader.page(ref, { offset, limit: 25, sort }), `offset ${offset}`).toEqual(full.slice(offset, offset + 25));
    }
    expect(await reader.page(ref, { offset: 400, limit: 25, sort })).toEqual([]);
    const filtered = full.filter((r) => r[1] === 'g1');
    expect(await reader.page(ref, { offset: 45, limit: 10, sort, filters: [{ column: 'grp', op: 'eq', value: 'g1' }] })).toEqual(filtered.slice(45, 55));
    await expect(reader.page(ref, { offset: 1_001, limit: 10, sort })).rejects.toBeInstanceOf(PageTooDeepError);
    await expect(reader.page(ref, { offset: 0, limit: 10, sort: [{ column: 'nope', dir: 'asc' }] })).rejects.toBeInstanceOf(UnknownColumnError);
    await expect(reader.page({ schema: 'public', table: 'nope' }, { offset: 0, limit: 10 })).rejects.toBeInstanceOf(UnknownRelationError);
    await expect(reader.count(ref, [{ column: 'amt', op: 'gt', value: 'abc' }])).rejects.toBeInstanceOf(FilterValueError);

    expect(await reader.count(ref, [{ column: 'grp', op: 'eq', value: 'g1' }])).toBe(filtered.length);
    expect(await reader.count(ref, [{ column: 'grp', op: 'null' }])).toBe(full.filter((r) => r[1] === null).length);
    const p = await reader.profile(ref, 'amt');
    expect(p).toMatchObject({ column: 'amt', type: 'NUMBER(10,2)', rows: 400, nulls: 0, min: '0.00', max: '3.00', histogramSampled: false });
    expect(p.histogram!.reduce((n, b) => n + b.count, 0)).toBe(400);
    expect(p.top[0]).toEqual({ value: '0.00', count: 31 });
    const d = await reader.profile(ref, 'd', [{ column: 'grp', op: 'notnull' }]);
    expect(d).toMatchObject({ rows: full.filter((r) => r[1] !== null).length, min: '2024-01-01', max: '2024-01-30' });
    expect(d.histogram![0]!.from).toBe('2024-01-01');
  });

  it('pages a wide table deep: the leading columns, then one hash of the row, as the tiebreak', async () => {
    // 45 columns: a seek over every column nested 45 levels deep, more than fakesnow's translator takes
    const cols = Array.from({ length: 45 }, (_, i) => `C${i}`);
    await s.execute(`CREATE OR REPLACE TABLE ${DB}.PUBLIC.WIDE (${cols.map((c, i) => `${c} ${i % 3 === 0 ? 'VARCHAR' : 'NUMBER(10,2)'}`).join(', ')})`);
    await s.execute(
      `INSERT INTO ${DB}.PUBLIC.WIDE SELECT ${cols.map((_, i) => (i % 3 === 0 ? `'v' || MOD(SEQ4() * ${i + 1}, 7)` : `MOD(SEQ4() * ${i + 1}, 11) / 4`)).join(', ')} FROM TABLE(GENERATOR(ROWCOUNT => 200))`,
    );
    const full = (await s.execute(`SELECT * FROM ${DB}.PUBLIC.WIDE ORDER BY C0, C1, C2, MOD(HASH(${cols.join(', ')}), 1000000000000000000)`)).rows;
    const paged: unknown[][] = [];
    for (let offset = 0; offset < 200; offset += 50) paged.push(...(await reader.page({ schema: 'public', table: 'wide' }, { offset, limit: 50 })));
    expect(paged).toHaveLength(200);
    expect(paged).toEqual(full);
  });

  it('runs one SELECT from the console, to the caps, and refuses anything else', async () => {
    const limits = (o: object = {}) => ({ maxRows: 1_000, maxBytes: 1_000_000, signal: AbortSignal.timeout(20_000), ...o });
    const r = await reader.userQuery('-- the items\nselect id, grp from reader_test.public.items order by id, grp limit 3;', limits());
    expect(r).toMatchObject({ columns: [{ name: 'id' }, { name: 'grp' }], truncated: false, cutBy: null });
    expect(r.rows).toHaveLength(3);
    expect(await reader.userQuery('with x as (select id from reader_test.public.items) select count(*) as n from x', limits())).toMatchObject({ rows: [[400]] });
    expect(await reader.userQuery('select * from reader_test.public.items', limits({ maxRows: 5 }))).toMatchObject({ truncated: true, cutBy: 'rows' });
    const bytes = await reader.userQuery('select * from reader_test.public.items', limits({ maxBytes: 2_000 }));
    expect(bytes).toMatchObject({ truncated: true, cutBy: 'bytes' });
    expect(JSON.stringify(bytes.rows).length).toBeLessThanOrEqual(2_000);
    for (const sql of ['delete from reader_test.public.items', 'create table x (a int)', "select 1; drop table reader_test.public.items", 'with x as (select 1) delete from reader_test.public.items', 'select system$abort_session(1)', 'grant select on all tables in schema raw to role public']) {
      await expect(reader.userQuery(sql, limits()), sql).rejects.toBeInstanceOf(UserQueryError);
    }
    // ';' inside a string or comment is not a second statement
    expect(await reader.userQuery("select 'a;b' as t /* ; */", limits())).toMatchObject({ rows: [['a;b']] });
    const bad = await reader.userQuery('select nope_column from reader_test.public.items', limits()).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(UserQueryError);
    expect((bad as Error).message).toMatch(/NOPE_COLUMN/i);
    // a time limit: the caller's signal cancels the statement
    const started = Date.now();
    const slow = await reader.userQuery('select count(*) from table(generator(rowcount => 4000000000))', limits({ signal: AbortSignal.timeout(250) })).catch((e: unknown) => e);
    expect((slow as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
