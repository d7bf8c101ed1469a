// S3Lake end to end against a real S3 protocol peer (the cloud emulator: moto on loopback), through the
// same SDK clients the product uses.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, type AwsClients } from '../aws/clients.ts';
import { ENTITY_ORDER, loadContracts } from '../contract-loader/load.ts';
import { ingest, RawZoneConflictError } from '../ingest/ingest.ts';
import { S3BucketMissingError } from '../aws/errors.ts';
import { emulatorAwsForTests } from '../emulator/testing/shared.ts';
import { tempDir } from '../testing/tmp.ts';
import { KeyOutsideRootError } from './contained-path.ts';
import { CacheFullError, CacheTooSmallError } from './download-cache.ts';
import { S3Lake, type S3LakeOptions } from './s3.ts';
import { LakeObjectMissingError } from './types.ts';

const MiB = 1024 ** 2;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const hex = (b: Buffer) => sha256(b).toString('hex');

let clients: AwsClients;
let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;

/** What the lake's client sent, per command (recorded below the SDK, after checksums are added). */
const sent: Array<{ command: string; input: Record<string, unknown>; headers: Record<string, string> }> = [];

function record(s3: S3Client) {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      sent.push({ command: context.commandName ?? '?', input: args.input as Record<string, unknown>, headers: { ...(request.headers ?? {}) } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordForTest' },
  );
}

async function newBucket(): Promise<string> {
  const bucket = `lake-test-${process.pid}-${++n}-${randomBytes(3).toString('hex')}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function newLake(opts: Partial<S3LakeOptions> = {}): Promise<S3Lake> {
  return new S3Lake({
    s3: clients.s3,
    bucket: opts.bucket ?? (await newBucket()),
    prefix: 'claims/dev',
    encryption: { kind: 'sse-s3' },
    cache: { dir: join(tmp.dir, `cache-${++n}`), protectMs: 0 },
    ...opts,
  });
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const res = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

beforeAll(async () => {
  clients = awsClients(await emulatorAwsForTests());
  record(clients.s3);
  tmp = await tempDir('claims-s3lake-');
});

afterAll(async () => {
  clients?.destroy();
  await tmp?.cleanup();
});

describe('S3Lake uploads', () => {
  it('uploads 20 MiB in 5 MiB parts, each with its SHA-256, keeps our SHA-256 of the file and SSE-KMS, and reads it back byte-identical', async () => {
    const lake = await newLake({ partSizeBytes: 5 * MiB, encryption: { kind: 'sse-kms', kmsKeyId: 'alias/claims-lake' } });
    const bytes = randomBytes(20 * MiB);
    const file = join(tmp.dir, 'big.csv');
    await writeFile(file, bytes);
    sent.length = 0;
    await lake.putFile('raw/csv/claims/batch=1/part-00000.csv', file, { sha256: hex(bytes) });

    const parts = sent.filter((s) => s.command === 'UploadPartCommand').sort((a, b) => Number(a.input.PartNumber) - Number(b.input.PartNumber));
    expect(parts.map((p) => p.input.PartNumber)).toEqual([1, 2, 3, 4]);
    // every part carries its own SHA-256, computed by the client over exactly that part's bytes
    parts.forEach((p, i) => expect(p.headers['x-amz-checksum-sha256']).toBe(sha256(bytes.subarray(i * 5 * MiB, (i + 1) * 5 * MiB)).toString('base64')));
    const create = sent.find((s) => s.command === 'CreateMultipartUploadCommand')!;
    expect(create.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(create.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/claims-lake');

    const key = 'claims/dev/raw/csv/claims/batch=1/part-00000.csv';
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: lake.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.Metadata?.sha256).toBe(hex(bytes));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe('alias/claims-lake');
    // S3's object checksum is one of parts (SHA-256 over the parts' SHA-256s), not of the file;
    // S3 appends "-4" (the part count), moto 5.2.5 leaves it off
    const digests = Buffer.concat([0, 1, 2, 3].map((i) => sha256(bytes.subarray(i * 5 * MiB, (i + 1) * 5 * MiB))));
    expect(head.ChecksumSHA256?.replace(/-4$/, '')).toBe(sha256(digests).toString('base64'));
    expect(head.ChecksumSHA256).not.toContain(sha256(bytes).toString('base64'));

    expect((await objectBytes(lake.bucket, key)).equals(bytes)).toBe(true);
    const local = await lake.localPath('raw/csv/claims/batch=1/part-00000.csv');
    expect((await readFile(local)).equals(bytes)).toBe(true);
  });

  it('computes the SHA-256 itself when not given, and writes small files and text with SSE-S3', async () => {
    const lake = await newLake();
    const file = join(tmp.dir, 'small.csv');
    await writeFile(file, 'a,b\n1,2\n');
    await lake.putFile('raw/csv/members/batch=1/part-00000.csv', file);
    await lake.putText('_manifests/batch=1.json', '{"batch":1}\n');
    for (const [key, body] of [
      ['raw/csv/members/batch=1/part-00000.csv', 'a,b\n1,2\n'],
      ['_manifests/batch=1.json', '{"batch":1}\n'],
    ] as const) {
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: lake.bucket, Key: `claims/dev/${key}` }));
      expect(head.Metadata?.sha256).toBe(hex(Buffer.from(body)));
      expect(head.ServerSideEncryption).toBe('AES256');
    }
    expect(await lake.getText('_manifests/batch=1.json')).toBe('{"batch":1}\n');
    expect(await lake.getText('_manifests/batch=2.json')).toBeNull();
    expect(await lake.exists('_manifests/batch=1.json')).toBe(true);
    expect(await lake.exists('_manifests/batch=2.json')).toBe(false);
  });
});

describe('ingest on the S3 lake', () => {
  it('lands a batch whose objects carry the manifest SHA-256, is a no-op again, and refuses different content', async () => {
    const lake = await newLake();
    const contracts = loadContracts();
    // a small extract with the contracts' headers (ingest checks headers and counts rows only)
    const source = join(tmp.dir, 'extract');
    for (const dataset of ENTITY_ORDER) {
      const c = contracts.byName.get(dataset)!;
      await mkdir(join(source, dataset), { recursive: true });
      for (const part of [0, 1]) {
        const row = c.columns.map((col) => `${dataset}-${part}-${col.name}`).join(c.source.delimiter);
        await writeFile(join(source, dataset, `part-0000${part}.csv`), `${c.columns.map((col) => col.name).join(c.source.delimiter)}\n${row}\n`);
      }
    }
    const first = await ingest({ batch: 1, sourceDir: source, lake, contracts });
    expect(first.landed).toBe(true);
    const files = Object.values(first.manifest.datasets).flatMap((d) => d.files);
    expect(files.length).toBe(6);
    for (const f of files) {
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: lake.bucket, Key: `claims/dev/${f.key}` }));
      expect(head.Metadata?.sha256, f.key).toBe(f.sha256);
      expect(head.ContentLength).toBe(f.bytes);
    }
    sent.length = 0;
    expect((await ingest({ batch: 1, sourceDir: source, lake, contracts })).landed).toBe(false);
    expect(sent.map((s) => s.command)).not.toContain('PutObjectCommand');

    const changed = join(source, 'claims', 'part-00001.csv');
    await writeFile(changed, `${await readFile(changed, 'utf8')}claims-1-extra-row\n`);
    await expect(ingest({ batch: 1, sourceDir: source, lake, contracts })).rejects.toBeInstanceOf(RawZoneConflictError);
  });
});

describe('S3Lake keys and listing', () => {
  it('keeps keys inside the prefix and names objects by s3:// URI', async () => {
    const lake = await newLake();
    expect(lake.root).toBe(`s3://${lake.bucket}/claims/dev/`);
    expect(lake.uri('raw/csv/x.csv')).toBe(`s3://${lake.bucket}/claims/dev/raw/csv/x.csv`);
    for (const bad of ['../escape.csv', 'raw/../../x', '/abs/key', 'raw/\0nul', 'raw//double', './raw/x', 'raw\\x', '']) {
      await expect(lake.putText(bad, 'x'), bad).rejects.toBeInstanceOf(KeyOutsideRootError);
      expect(() => lake.uri(bad), bad).toThrow(KeyOutsideRootError);
    }
    await expect(lake.list('../')).rejects.toBeInstanceOf(KeyOutsideRootError);
    await expect(lake.removePrefix('')).rejects.toThrow(/Removing everything in the lake .* is refused/);
    await expect(lake.localPath('../../etc/passwd')).rejects.toBeInstanceOf(KeyOutsideRootError);
  });

  it('lists only its prefix, page after page, and removes a prefix without touching its siblings', async () => {
    const bucket = await newBucket();
    const lake = await newLake({ bucket, listPageSize: 3 });
    const keys = [1, 2, 3, 4].map((i) => `raw/csv/claims/batch=1/part-0000${i}.csv`);
    for (const k of [...keys, 'raw/csv/claims/batch=10/part-00000.csv', 'processed/parquet/claims/year=2024/part-0.parquet']) await lake.putText(k, k);
    // outside the lake's prefix, same bucket: never listed, never removed
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'claims/devx/raw/csv/claims/batch=1/other.csv', Body: 'x' }));
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'claims/dev/raw/csv/folder-marker/', Body: Buffer.alloc(0) }));
    sent.length = 0;
    const all = await lake.list('');
    expect(all.map((o) => o.key)).toEqual(
      ['processed/parquet/claims/year=2024/part-0.parquet', ...keys, 'raw/csv/claims/batch=10/part-00000.csv'].sort((a, b) => a.localeCompare(b)),
    );
    expect(sent.filter((s) => s.command === 'ListObjectsV2Command').length).toBe(3); // 6 objects + a marker, 3 a page
    expect((await lake.list('raw/csv/claims/batch=1/')).map((o) => o.key)).toEqual(keys);
    expect((await lake.list('raw/csv/claims/batch=1')).length).toBe(5); // a name prefix, as in LocalLake
    expect((await lake.list('raw/csv/claims/batch=1/'))[0]!.size).toBe(keys[0]!.length);

    await lake.removePrefix('raw/csv/claims/batch=1/');
    expect((await lake.list('raw/')).map((o) => o.key)).toEqual(['raw/csv/claims/batch=10/part-00000.csv']);
    expect(await objectBytes(bucket, 'claims/devx/raw/csv/claims/batch=1/other.csv')).toEqual(Buffer.from('x'));
    const deletes = sent.filter((s) => s.command === 'DeleteObjectsCommand');
    expect(deletes.length).toBe(1); // one batched request for the four objects
  });

  it('reads the head of an object with a ranged GET', async () => {
    const lake = await newLake();
    await lake.putText('raw/h.csv', 'claim_id,member_id\nC1,M1\n');
    await lake.putText('raw/empty.csv', '');
    sent.length = 0;
    expect(await lake.readHead('raw/h.csv', 8)).toBe('claim_id');
    expect(sent.find((s) => s.command === 'GetObjectCommand')?.headers.range).toBe('bytes=0-7');
    expect(await lake.readHead('raw/h.csv', 4096)).toBe('claim_id,member_id\nC1,M1\n');
    expect(await lake.readHead('raw/empty.csv', 100)).toBe('');
    await expect(lake.readHead('raw/none.csv', 10)).rejects.toBeInstanceOf(LakeObjectMissingError);
  });
});

describe('S3Lake moves', () => {
  it('moves a small object with CopyObject and a large one with UploadPartCopy, keeping bytes, metadata and encryption', async () => {
    const lake = await newLake({ partSizeBytes: 5 * MiB, multipartCopyThresholdBytes: 6 * MiB, copyPartSizeBytes: 5 * MiB, encryption: { kind: 'sse-kms', kmsKeyId: 'alias/k' } });
    await lake.putText('_staging/t1/small.json', '{"a":1}');
    sent.length = 0;
    await lake.move('_staging/t1/small.json', 'processed/small.json');
    expect(sent.map((s) => s.command)).toContain('CopyObjectCommand');
    expect(await lake.getText('processed/small.json')).toBe('{"a":1}');
    expect(await lake.exists('_staging/t1/small.json')).toBe(false);

    const bytes = randomBytes(12 * MiB + 7);
    const file = join(tmp.dir, 'large.parquet');
    await writeFile(file, bytes);
    await lake.putFile('_staging/t1/large.parquet', file);
    sent.length = 0;
    await lake.move('_staging/t1/large.parquet', 'processed/parquet/claims/large.parquet');
    const copies = sent.filter((s) => s.command === 'UploadPartCopyCommand');
    expect(copies.map((c) => c.headers['x-amz-copy-source-range']).sort()).toEqual(['bytes=0-5242879', 'bytes=10485760-12582918', 'bytes=5242880-10485759']);
    expect(sent.map((s) => s.command)).not.toContain('CopyObjectCommand');
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: lake.bucket, Key: 'claims/dev/processed/parquet/claims/large.parquet' }));
    expect(head.Metadata?.sha256).toBe(hex(bytes));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.ContentLength).toBe(bytes.length);
    expect((await objectBytes(lake.bucket, 'claims/dev/processed/parquet/claims/large.parquet')).equals(bytes)).toBe(true);
    expect(await lake.exists('_staging/t1/large.parquet')).toBe(false);
    await expect(lake.move('_staging/t1/none', 'processed/none')).rejects.toBeInstanceOf(LakeObjectMissingError);
  });
});

describe('S3Lake errors', () => {
  it('names a missing bucket and what to do', async () => {
    const lake = await newLake({ bucket: 'no-such-bucket-for-claims' });
    const err = await lake.putText('_manifests/batch=1.json', '{}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3BucketMissingError);
    expect((err as S3BucketMissingError).message).toContain('no-such-bucket-for-claims');
    expect((err as S3BucketMissingError).hint).toMatch(/Create the bucket/);
    expect((err as S3BucketMissingError).retryable).toBe(false);
    await expect(lake.list('raw/')).rejects.toBeInstanceOf(S3BucketMissingError);
  });
});

describe('S3Lake local cache', () => {
  const put = (lake: S3Lake, key: string, size: number, fill: number) => lake.putText(key, String.fromCharCode(fill).repeat(size));
  const gets = () => sent.filter((s) => s.command === 'GetObjectCommand').length;

  it('downloads once, serves the cached file while the object is unchanged, and fetches it again when it changed', async () => {
    const lake = await newLake();
    await put(lake, 'processed/parquet/claims/year=2024/month=01/part-0.parquet', 1000, 0x61);
    sent.length = 0;
    const path = await lake.localPath('processed/parquet/claims/year=2024/month=01/part-0.parquet');
    expect(path.startsWith(lake.localRoots()[0]!)).toBe(true);
    expect(path).toMatch(/year=2024\/month=01\/part-0\.parquet$/); // hive folders survive for readers
    expect(await readFile(path, 'utf8')).toBe('a'.repeat(1000));
    expect(gets()).toBe(1);
    await lake.localPath('processed/parquet/claims/year=2024/month=01/part-0.parquet');
    expect(gets()).toBe(1); // validated by ETag and size with a HEAD, not downloaded again

    await put(lake, 'processed/parquet/claims/year=2024/month=01/part-0.parquet', 1000, 0x62); // same size, new content
    const again = await lake.localPath('processed/parquet/claims/year=2024/month=01/part-0.parquet');
    expect(again).toBe(path);
    expect(await readFile(again, 'utf8')).toBe('b'.repeat(1000));
    expect(gets()).toBe(2);
    await expect(lake.localPath('processed/none.parquet')).rejects.toBeInstanceOf(LakeObjectMissingError);
  });

  it('stays within its bound, evicting the least recently used file first', async () => {
    const lake = await newLake({ cache: { dir: join(tmp.dir, 'bounded'), maxBytes: 3000, protectMs: 0 } });
    for (const k of ['a', 'b', 'c', 'd']) await put(lake, `p/${k}.csv`, 1000, 0x78);
    const a = await lake.localPath('p/a.csv');
    const b = await lake.localPath('p/b.csv');
    const c = await lake.localPath('p/c.csv');
    await lake.localPath('p/a.csv'); // a is used again: b is now the least recently used
    const d = await lake.localPath('p/d.csv');
    expect([existsSync(a), existsSync(b), existsSync(c), existsSync(d)]).toEqual([true, false, true, true]);
    const held = (await Promise.all([a, c, d].map((p) => stat(p)))).reduce((s, st) => s + st.size, 0);
    expect(held).toBeLessThanOrEqual(3000);
  });

  it('refuses an object larger than the whole cache, and files in use are not evicted', async () => {
    const lake = await newLake({ cache: { dir: join(tmp.dir, 'small-cache'), maxBytes: 2500, protectMs: 60_000 } });
    await put(lake, 'p/huge.csv', 3000, 0x79);
    const err = await lake.localPath('p/huge.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheTooSmallError);
    expect((err as Error).message).toContain(`${lake.root}p/huge.csv`);
    expect((err as Error).message).toMatch(/larger than the local download cache/);
    for (const k of ['a', 'b', 'c']) await put(lake, `p/${k}.csv`, 1000, 0x7a);
    const a = await lake.localPath('p/a.csv');
    const b = await lake.localPath('p/b.csv');
    await expect(lake.localPath('p/c.csv')).rejects.toBeInstanceOf(CacheFullError);
    expect(existsSync(a) && existsSync(b)).toBe(true);
  });
});
