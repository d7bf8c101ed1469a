// The folder lake keeps every key inside its root, whoever the caller is: by the key's text, and
// for what exists, by where symlinks lead.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp.ts';
import { KeyOutsideRootError } from './contained-path.ts';
import { LocalLake } from './local.ts';
import { LakeObjectMissingError } from './types.ts';

let dir: string;
let cleanup: () => Promise<void>;
let lake: LocalLake;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-lake-'));
  mkdirSync(join(dir, 'lake', 'raw'), { recursive: true });
  writeFileSync(join(dir, 'outside.txt'), 'secret');
  writeFileSync(join(dir, 'lake', 'raw', 'in.csv'), 'a\n1\n');
  symlinkSync(join(dir, 'outside.txt'), join(dir, 'lake', 'raw', 'link.csv'));
  symlinkSync(join(dir, 'lake', 'raw', 'in.csv'), join(dir, 'lake', 'raw', 'inner-link.csv'));
  lake = new LocalLake(join(dir, 'lake'));
});

afterAll(() => cleanup());

describe('LocalLake', () => {
  it('reads and writes keys inside it', async () => {
    expect(await lake.getText('raw/in.csv')).toBe('a\n1\n');
    expect(await lake.localPath('raw/inner-link.csv')).toBe(join(dir, 'lake', 'raw', 'inner-link.csv'));
    await lake.putText('raw/new.txt', 'x');
    expect(await lake.getText('raw/new.txt')).toBe('x');
  });

  it('refuses keys that climb out, absolute keys, NUL bytes and symlinks that lead out, for every operation', async () => {
    for (const key of ['../outside.txt', 'raw/../../outside.txt', join(dir, 'outside.txt'), 'raw/link.csv', 'raw/in.csv\0']) {
      await expect(lake.getText(key), key).rejects.toBeInstanceOf(KeyOutsideRootError);
      await expect(lake.localPath(key), key).rejects.toBeInstanceOf(KeyOutsideRootError);
      await expect(lake.readHead(key, 10), key).rejects.toBeInstanceOf(KeyOutsideRootError);
      expect(() => lake.uri(key), key).toThrow(KeyOutsideRootError);
    }
    await expect(lake.putText('../planted.txt', 'x')).rejects.toBeInstanceOf(KeyOutsideRootError);
    await expect(lake.move('raw/in.csv', '../moved.csv')).rejects.toBeInstanceOf(KeyOutsideRootError);
    await expect(lake.removePrefix('../')).rejects.toBeInstanceOf(KeyOutsideRootError);
  });

  it('says when an object is missing instead of handing out a path to nothing', async () => {
    await expect(lake.localPath('raw/nope.csv')).rejects.toBeInstanceOf(LakeObjectMissingError);
  });
});
