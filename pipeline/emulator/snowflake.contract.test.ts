// Contract tests of the Node snowflake-sdk against the emulator's Snowflake (fakesnow behind the
// emulator's adapter): the statement kinds the warehouse code runs, with the values the driver
// hands back, and failures that surface as Snowflake errors at once instead of hanging.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snowflake, { type Binds, type Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedEmulator, snowflakeNodeAddress } from './testing/shared.ts';

type Row = Record<string, unknown>;
let conn: Connection;
let scratch: string;

function run(sqlText: string, binds?: Binds): Promise<{ rows: Row[]; updated: number }> {
  return new Promise((done, fail) => {
    conn.execute({
      sqlText,
      binds,
      complete: (err, stmt, rows) => (err ? fail(err) : done({ rows: (rows ?? []) as Row[], updated: stmt.getNumUpdatedRows() ?? -1 })),
    });
  });
}
const failure = (sqlText: string) => run(sqlText).then(() => null, (e: snowflake.SnowflakeError) => e);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'claims-sf-'));
  // the driver logs into ./snowflake.log unless told where
  snowflake.configure({ logLevel: 'ERROR', logFilePath: join(scratch, 'snowflake.log'), additionalLogToConsole: false });
  const emulator = await sharedEmulator();
  conn = snowflake.createConnection({ account: 'emulator', username: 'emulator', password: 'emulator', ...snowflakeNodeAddress(emulator), database: 'CONTRACT', schema: 'RAW' });
  await new Promise<void>((done, fail) => conn.connect((err) => (err ? fail(err) : done())));
  await run('create schema if not exists contract.raw');
});

afterAll(async () => {
  if (conn) await new Promise<void>((done) => conn.destroy(() => done()));
  await rm(scratch, { recursive: true, force: true });
});

describe('snowflake-sdk through the emulator', () => {
  it('creates, inserts with ? and :1 binds, and reads typed values back', async () => {
    await run(
      `create or replace table claims (claim_id varchar(20), amount number(12,2), ratio float, paid boolean, service_date date,
         loaded_at timestamp_ntz, payload variant, codes array, raw binary)`,
    );
    const inserted = await run(
      `insert into claims select ?, ?, ?, ?, cast(? as date), cast(? as timestamp_ntz), parse_json(?), array_construct(?, ?), to_binary(?, 'HEX')`,
      ['C1', 1234.5, 0.25, true, '2024-02-29', '2024-03-01 08:15:30.250', '{"plan": "gold", "lines": [1, 2]}', 'A10', 'B20', 'CAFE'],
    );
    expect(inserted.updated).toBe(1);
    const second = await run('insert into claims (claim_id, amount, paid) values (:1, :2, :3)', ['C2', 0, false]);
    expect(second.updated).toBe(1);

    const { rows } = await run('select * from claims where claim_id = ? or amount = :2 order by claim_id', ['C1', 0]);
    expect(rows).toHaveLength(2);
    const [c1, c2] = rows as [Row, Row];
    expect(c1).toMatchObject({ CLAIM_ID: 'C1', AMOUNT: 1234.5, RATIO: 0.25, PAID: true, PAYLOAD: { plan: 'gold', lines: [1, 2] }, CODES: ['A10', 'B20'] });
    expect((c1.SERVICE_DATE as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((c1.LOADED_AT as Date).toISOString()).toBe('2024-03-01T08:15:30.250Z');
    expect(Buffer.isBuffer(c1.RAW) && (c1.RAW as Buffer).toString('hex')).toBe('cafe');
    expect(c2).toMatchObject({ CLAIM_ID: 'C2', AMOUNT: 0, PAID: false, RATIO: null, SERVICE_DATE: null, LOADED_AT: null, PAYLOAD: null, CODES: null, RAW: null });
  });

  it('reports rows touched by UPDATE, DELETE and MERGE', async () => {
    await run('create or replace table members (member_id varchar, plan varchar)');
    await run("insert into members values ('M1', 'bronze'), ('M2', 'silver'), ('M3', 'gold')");
    expect((await run("update members set plan = 'platinum' where member_id in ('M1', 'M2')")).updated).toBe(2);
    expect((await run("delete from members where member_id = 'M3'")).updated).toBe(1);
    await run('create or replace table members_batch (member_id varchar, plan varchar)');
    await run("insert into members_batch values ('M1', 'gold'), ('M4', 'bronze'), ('M5', 'silver')");
    const merged = await run(
      `merge into members t using members_batch s on t.member_id = s.member_id
       when matched then update set plan = s.plan
       when not matched then insert (member_id, plan) values (s.member_id, s.plan)`,
    );
    expect(merged.rows).toEqual([{ 'number of rows inserted': 2, 'number of rows updated': 1 }]);
    const { rows } = await run('select member_id, plan from members order by member_id');
    expect(rows).toEqual([
      { MEMBER_ID: 'M1', PLAN: 'gold' },
      { MEMBER_ID: 'M2', PLAN: 'platinum' },
      { MEMBER_ID: 'M4', PLAN: 'bronze' },
      { MEMBER_ID: 'M5', PLAN: 'silver' },
    ]);
  });

  it('reads times, and a NULL TIME as the driver gives it on Snowflake too ("NULL")', async () => {
    const { rows } = await run("select '10:11:12'::time as t, null::time as no_time, '2024-01-02 03:04:05'::timestamp_tz as tz");
    // snowflake-sdk itself turns a NULL TIME into the string "NULL" (column.js toValueFromTime), whatever the server
    expect(rows[0]).toMatchObject({ T: '10:11:12', NO_TIME: 'NULL' });
    expect((rows[0]!.TZ as Date).toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  it('streams a result row by row', async () => {
    const ids: unknown[] = await new Promise((done, fail) => {
      const out: unknown[] = [];
      const stmt = conn.execute({ sqlText: 'select seq4() as n from table(generator(rowcount => 250))', streamResult: true });
      stmt.streamRows().on('data', (r: Row) => out.push(r.N)).on('error', fail).on('end', () => done(out));
    });
    expect(ids).toHaveLength(250);
    expect(ids[249]).toBe(249);
  });

  it('PUTs a file to an internal stage and COPYs it into a table', async () => {
    const file = join(scratch, 'providers.csv');
    await writeFile(file, 'P1,Mercy Clinic\nP2,"Hill, Ridge & Co"\n');
    await run('create or replace table providers (provider_id varchar, name varchar)');
    await run('create stage if not exists landing');
    const put = await run(`put file://${file} @landing/batch=1 auto_compress=true`);
    expect(put.rows).toMatchObject([{ source: 'providers.csv', target: 'providers.csv.gz', status: 'UPLOADED' }]);
    await run("copy into providers from @landing/batch=1 file_format = (type = csv field_optionally_enclosed_by = '\"')");
    expect((await run('select * from providers order by provider_id')).rows).toEqual([
      { PROVIDER_ID: 'P1', NAME: 'Mercy Clinic' },
      { PROVIDER_ID: 'P2', NAME: 'Hill, Ridge & Co' },
    ]);
  });

  it('fails with Snowflake error codes: a missing table, and at once on SQL the emulator cannot run', async () => {
    const missing = await failure('select * from no_such_table');
    expect(missing?.code).toBe('002003');
    expect(missing?.sqlState).toBe('42S02');

    const started = Date.now();
    // fakesnow answers HTTP 500 to this; without the emulator's guard the driver retries for minutes
    const unsupported = await failure("select interval '1 day' as i");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(unsupported?.code).toBe('000002');
    expect(unsupported?.message).toMatch(/cannot run this statement \(NotImplementedError: for column type INTERVAL\)/);
    expect((await run('select 1 as one')).rows).toEqual([{ ONE: 1 }]);
  });
});
