// The DuckDBs the app queries through are sealed when they open: they read only inside the folders
// they are given, their settings cannot be changed, and their memory is bounded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp.ts';
import { openSealed } from './sealed.ts';

let dir: string;
let cleanup: () => Promise<void>;
let db: DuckDBInstance;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-sealed-'));
  mkdirSync(join(dir, 'lake'));
  writeFileSync(join(dir, 'lake', 'a.csv'), 'x\n1\n2\n');
  writeFileSync(join(dir, 'outside.csv'), 'secret\n1\n');
  db = await openSealed(':memory:', [`${join(dir, 'lake')}/`], { memoryLimit: '512MB', maxTempSize: '1GB', tempDirectory: join(dir, 'tmp') });
});

afterAll(async () => {
  db.closeSync();
  await cleanup();
});

const run = async (sql: string) => {
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowsJson();
  } finally {
    conn.closeSync();
  }
};

describe('a sealed DuckDB', () => {
  it('reads files inside its folders', async () => {
    expect(await run(`SELECT count(*) FROM read_csv('${join(dir, 'lake', 'a.csv')}')`)).toEqual([['2']]);
  });

  it('cannot read outside them or be unsealed', async () => {
    for (const sql of [
      `SELECT * FROM read_csv('${join(dir, 'outside.csv')}')`,
      `SELECT * FROM read_text('${join(dir, 'lake', '..', 'outside.csv')}')`,
      "SELECT * FROM read_text('/etc/passwd')",
      'SET enable_external_access = true',
      "SET allowed_directories = ['/']",
      "SET memory_limit = '100GB'",
    ]) {
      await expect(run(sql), sql).rejects.toThrow();
    }
  });

  it('runs under its memory limit', async () => {
    expect(await run("SELECT current_setting('memory_limit')")).toEqual([['488.2 MiB']]);
  });
});
