// Both readers the app queries through are sealed when they open: they read only inside the
// folders they are given, their settings cannot be changed, and their memory is bounded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp.ts';
import { FileReader } from './warehouse-reader.ts';

let dir: string;
let cleanup: () => Promise<void>;
let files: FileReader;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-reader-'));
  mkdirSync(join(dir, 'lake'));
  writeFileSync(join(dir, 'lake', 'a.csv'), 'x\n1\n2\n');
  writeFileSync(join(dir, 'outside.csv'), 'secret\n1\n');
  files = new FileReader([`${join(dir, 'lake')}/`], { memoryLimit: '512MB', maxTempSize: '1GB', tempDirectory: join(dir, 'tmp') });
});

afterAll(async () => {
  await files.close();
  await cleanup();
});

describe('FileReader', () => {
  it('reads files inside its folders', async () => {
    const n = await files.use(async (c) => (await c.runAndReadAll(`SELECT count(*) FROM read_csv('${join(dir, 'lake', 'a.csv')}')`)).getRowsJson()[0]![0]);
    expect(n).toBe('2');
  });

  // it is never handed user SQL; the console's reader has no folder at all (sql-console.test.ts)
  it('cannot read outside them or be unsealed', async () => {
    for (const sql of [
      `SELECT * FROM read_csv('${join(dir, 'outside.csv')}')`,
      `SELECT * FROM read_text('${join(dir, 'lake', '..', 'outside.csv')}')`,
      "SELECT * FROM read_text('/etc/passwd')",
      'SET enable_external_access = true',
      "SET allowed_directories = ['/']",
      "SET memory_limit = '100GB'",
    ]) {
      await expect(files.use((c) => c.run(sql)), sql).rejects.toThrow();
    }
  });

  it('runs under its memory limit', async () => {
    const limit = await files.use(async (c) => (await c.runAndReadAll("SELECT current_setting('memory_limit')")).getRowsJson()[0]![0]);
    expect(limit).toBe('488.2 MiB');
  });
});
