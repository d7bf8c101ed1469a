// The SQL console: SELECT only, read-only, sealed off from the file system, bounded in rows, bytes,
// memory, time and concurrency, and errors that say where they are.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../../duckdb/connection.ts';
import { tempDir } from '../../testing/tmp.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';
import { DEFAULT_READER_TEMP_SIZE } from '../../duckdb/sealed.ts';
import { errorPosition } from '../../duckdb/user-query.ts';
import { DuckDBWarehouseReader } from '../../warehouse/duckdb-reader.ts';
import { SQL_BYTE_CAP } from './console-limits.ts';
import { SqlConsole } from './sql-console.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-sql-'));
  // a small warehouse made here for the test: one schema, one table
  const db = await openDuckDB({ path: join(dir, 'warehouse.duckdb') });
  await db.conn.run('CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT range AS id, range % 3 AS k FROM range(25000)');
  db.close();
  mkdirSync(join(dir, 'lake'), { recursive: true });
  writeFileSync(join(dir, 'lake', 'keep.csv'), 'a\n1\n');
  service = createClaimsService({ workspace: dir, log: () => {} });
});

afterAll(async () => {
  await service.close();
  await cleanup();
});

const sql = (text: string, limit?: number) => service.call('sql.query', { sql: text, ...(limit ? { limit } : {}) });

describe('sql console', () => {
  it('runs a query and caps the rows it returns', async () => {
    const r = await sql('SELECT * FROM raw.t ORDER BY id');
    expect(r).toMatchObject({ ok: true, result: { truncated: true, limit: 10000 } });
    if (r.ok) expect(r.result.rows.length).toBe(10000);
    const small = await sql('SELECT k, count(*) AS n FROM raw.t GROUP BY k ORDER BY k');
    expect(small).toMatchObject({ ok: true, result: { truncated: false, rows: [['0', '8334'], ['1', '8333'], ['2', '8333']] } });
  });

  it('refuses writes, DDL, several statements, file access and configuration changes', async () => {
    for (const text of ['INSERT INTO raw.t VALUES (1, 1)', 'DROP TABLE raw.t', 'CREATE TABLE x AS SELECT 1', 'SELECT 1; SELECT 2', "SET enable_external_access = true", "ATTACH 'other.duckdb'"]) {
      const r = await sql(text);
      expect(r.ok, text).toBe(false);
    }
    const file = await sql("SELECT * FROM read_csv('/etc/passwd')");
    expect(file).toMatchObject({ ok: false, error: { code: 'sql_error' } });
    const copy = await sql("COPY (SELECT 1) TO '/tmp/out.csv'");
    expect(copy.ok).toBe(false);
  });

  it('refuses EXPLAIN ANALYZE and every other statement that is not a SELECT, and the files stay as they were', async () => {
    const warehouse = join(dir, 'warehouse.duckdb');
    const digest = (f: string) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
    const before = [warehouse, `${warehouse}.wal`, join(dir, 'lake', 'keep.csv')].map(digest);
    const attacks = [
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${join(dir, 'lake', 'x.csv')}'`,
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${join(dir, 'lake', 'keep.csv')}'`,
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${warehouse}' (FORMAT csv, USE_TMP_FILE false)`,
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${warehouse}.wal' (FORMAT csv, USE_TMP_FILE false)`,
      `EXPLAIN COPY (SELECT 1) TO '${join(dir, 'lake', 'x.csv')}'`,
      'EXPLAIN ANALYZE SELECT 1',
      'EXPLAIN ANALYZE CHECKPOINT',
      'CHECKPOINT',
      'FORCE CHECKPOINT',
      "CALL pragma_version()",
      'LOAD parquet',
      "PRAGMA enable_profiling = 'json'",
      'PRAGMA threads = 4',
      "EXPORT DATABASE '/tmp/x'",
      'VACUUM',
    ];
    for (const text of attacks) {
      const r = await sql(text);
      expect(r, text).toMatchObject({ ok: false, error: { code: 'sql_error' } });
      const explained = await service.call('sql.query', { sql: text, explain: true });
      expect(explained.ok, `explain: ${text}`).toBe(false);
    }
    expect([warehouse, `${warehouse}.wal`, join(dir, 'lake', 'keep.csv')].map(digest)).toEqual(before);
    expect(existsSync(join(dir, 'lake', 'x.csv'))).toBe(false);
    expect(await sql('SELECT count(*) AS n FROM raw.t')).toMatchObject({ ok: true, result: { rows: [['25000']] } });
  });

  it('explains a SELECT on request, with the plan and without running it', async () => {
    const r = await service.call('sql.query', { sql: 'WITH x AS (SELECT k FROM raw.t) SELECT k, count(*) FROM x GROUP BY k', explain: true });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.result.columns.map((c) => c.name)).toEqual(['explain_key', 'explain_value']);
      expect(JSON.stringify(r.result.rows)).toMatch(/HASH_GROUP_BY|GROUP/);
      expect(JSON.stringify(r.result.rows)).not.toMatch(/Total Time/);
    }
  });

  it('streams a billion-row result and stops at the row cap, within the byte cap, under the memory limit', async () => {
    const r = await sql('SELECT * FROM range(1000000000)');
    expect(r).toMatchObject({ ok: true, result: { truncated: true, cutBy: 'rows', limit: 10000 } });
    if (r.ok) {
      expect(r.result.rows.length).toBe(10000);
      expect(Buffer.byteLength(JSON.stringify(r.result))).toBeLessThan(SQL_BYTE_CAP);
    }
    const setting = await sql("SELECT current_setting('memory_limit') AS m, current_setting('max_temp_directory_size') AS t");
    expect(setting).toMatchObject({ ok: true, result: { rows: [['953.6 MiB', expect.stringMatching(/GiB/)]] } });
  });

  it('cuts a 40 MB text at the byte cap, and a wide result of many rows too', async () => {
    const one = await sql("SELECT repeat('x', 40 * 1024 * 1024) AS t");
    expect(one).toMatchObject({ ok: true, result: { truncated: true, cutBy: 'bytes' } });
    if (one.ok) {
      const size = Buffer.byteLength(JSON.stringify(one.result));
      expect(size).toBeLessThanOrEqual(SQL_BYTE_CAP + 4096);
      expect(String(one.result.rows[0]![0]).endsWith('…')).toBe(true);
    }
    const many = await sql("SELECT range AS i, repeat('y', 4000) AS t FROM range(9000)");
    expect(many).toMatchObject({ ok: true, result: { truncated: true, cutBy: 'bytes' } });
    if (many.ok) {
      expect(many.result.rows.length).toBeLessThan(9000);
      expect(Buffer.byteLength(JSON.stringify(many.result))).toBeLessThanOrEqual(SQL_BYTE_CAP + 4096);
    }
  });

  it('runs two queries at a time at most, and says in words when one ran out of time', async () => {
    const reader = new DuckDBWarehouseReader(join(dir, 'warehouse.duckdb'), { memoryLimit: '256MB', maxTempSize: DEFAULT_READER_TEMP_SIZE, tempDirectory: join(dir, 'tmp', 'r') }, dir);
    const sqlConsole = new SqlConsole(1500);
    try {
      const slow = 'SELECT count(*) FROM range(100000000000) a';
      const running = [sqlConsole.query(reader, { sql: slow }), sqlConsole.query(reader, { sql: slow })];
      await expect(sqlConsole.query(reader, { sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/2 console queries are already running/) });
      for (const r of await Promise.allSettled(running)) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') expect((r.reason as Error).message).toBe("The query ran longer than the console's limit of 1.5 seconds and was stopped.");
      }
      await expect(sqlConsole.query(reader, { sql: 'SELECT 42 AS x' })).resolves.toMatchObject({ rows: [[42]] });
    } finally {
      await reader.close();
    }
  });

  it('points at the failing position', async () => {
    const r = await sql('SELECT id,\n  nope\nFROM raw.t');
    expect(r).toMatchObject({ ok: false, error: { code: 'sql_error', position: { line: 2, column: 3 } } });
  });

  it('finds positions in DuckDB messages, long lines included', () => {
    const text = 'select x from t';
    expect(errorPosition(text, 'Binder Error: x\n\nLINE 1: select x from t\n               ^')).toEqual({ line: 1, column: 8, offset: 7 });
    expect(errorPosition('ok', 'no position here')).toBeUndefined();
  });
});

describe('while another process runs the pipeline', () => {
  it('says the warehouse is busy instead of holding it open, and reads it again afterwards', async () => {
    const { spawn } = await import('node:child_process');
    const { writeFileSync, rmSync } = await import('node:fs');
    // a live process standing in for `claims run`: the lock file is all the app looks at
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: other.pid, what: 'claims run batch 1', since: new Date().toISOString() }));
      expect(await sql('SELECT 1')).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('claims run batch 1') } });
    } finally {
      other.kill();
      rmSync(join(dir, '.lock'), { force: true });
    }
    expect(await sql('SELECT 1')).toMatchObject({ ok: true });
  });
});
