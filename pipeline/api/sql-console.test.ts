// The SQL console: one query at a time, read-only, sealed off from the file system, and errors
// that say where they are.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../duckdb/connection.ts';
import { tempDir } from '../testing/tmp.ts';
import { createClaimsService, type ClaimsService } from './service.ts';
import { errorPosition } from './sql-console.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-sql-'));
  // a small warehouse made here for the test: one schema, one table
  const db = await openDuckDB({ path: join(dir, 'warehouse.duckdb') });
  await db.conn.run('CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT range AS id, range % 3 AS k FROM range(25000)');
  db.close();
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
