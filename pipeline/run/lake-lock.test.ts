// The lake lock on a real S3 protocol peer (the cloud emulator: moto on loopback): conditional writes
// (PutObject If-None-Match: * / If-Match, DeleteObject If-Match) decide who holds the lake.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, type AwsClients } from '../aws/clients.ts';
import { S3Lake } from '../lake/s3.ts';
import { emulatorAwsForTests } from '../emulator/testing/shared.ts';
import { tempDir } from '../testing/tmp.ts';
import { clearLakeLock, LAKE_LOCK_KEY, LakeBusyError, LakeLockLostError, LakeLockStaleError, readLakeLock, takeLakeLock } from './lake-lock.ts';

let clients: AwsClients;
let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;

async function newLake(): Promise<S3Lake> {
  const bucket = `lock-test-${process.pid}-${++n}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3Lake({ s3: clients.s3, bucket, prefix: 'claims/dev', encryption: { kind: 'sse-s3' }, cache: { dir: join(tmp.dir, `c${n}`) } });
}

const take = (lake: S3Lake, runId: string, extra: Partial<Parameters<typeof takeLakeLock>[0]> = {}) =>
  takeLakeLock({ store: lake, workspace: `/ws/${runId}`, runId, what: `claims run ${runId}`, heartbeatEveryMs: 0, ...extra });

beforeAll(async () => {
  clients = awsClients(await emulatorAwsForTests());
  tmp = await tempDir('claims-lakelock-');
});

afterAll(async () => {
  clients?.destroy();
  await tmp?.cleanup();
});

describe('lake lock', () => {
  it('lets exactly one of two takers hold the lake; the second is told who holds it', async () => {
    const lake = await newLake();
    const a = await take(lake, 'run-a');
    expect(a.uri).toBe(`s3://${lake.bucket}/claims/dev/${LAKE_LOCK_KEY}`);
    const err = await take(lake, 'run-b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeBusyError);
    const busy = err as LakeBusyError;
    expect(busy.holder).toMatchObject({ run_id: 'run-a', workspace: '/ws/run-a', host: hostname(), pid: process.pid, what: 'claims run run-a' });
    expect(busy.message).toContain('run-a');
    expect(busy.message).toContain(hostname());
    expect(busy.retryable).toBe(true);
    // the object in the lake says who holds it
    const body = await clients.s3.send(new GetObjectCommand({ Bucket: lake.bucket, Key: `claims/dev/${LAKE_LOCK_KEY}` }));
    expect(JSON.parse(await body.Body!.transformToString())).toMatchObject({ run_id: 'run-a', pid: process.pid });
    expect(await a.release()).toBe('released');
  });

  it('gives the lake to one of two takers that try at the same moment', async () => {
    const lake = await newLake();
    const results = await Promise.allSettled([take(lake, 'x'), take(lake, 'y')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won.length).toBe(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(LakeBusyError);
    const holder = (await readLakeLock(lake))!.holder!;
    expect(holder.run_id).toBe((won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof take>>>).value.holder.run_id);
  });

  it('hands the lake to a waiting taker once the holder releases it', async () => {
    const lake = await newLake();
    const a = await take(lake, 'run-a');
    const waiting = take(lake, 'run-b', { waitMs: 5_000, pollMs: 50 });
    setTimeout(() => void a.release(), 200);
    const b = await waiting;
    expect(b.holder.run_id).toBe('run-b');
    expect((await readLakeLock(lake))!.holder!.run_id).toBe('run-b');
    expect(await b.release()).toBe('released');
    expect(await readLakeLock(lake)).toBeNull();
  });

  it('releases only its own lock, and a heartbeat finds out the lock was lost', async () => {
    const lake = await newLake();
    const a = await take(lake, 'run-a');
    const before = (await readLakeLock(lake))!;
    await a.heartbeat();
    const after = (await readLakeLock(lake))!;
    expect(after.etag).not.toBe(before.etag);
    expect(Date.parse(after.holder!.heartbeat_at)).toBeGreaterThanOrEqual(Date.parse(before.holder!.heartbeat_at));

    // a person clears it, another run takes it: run-a's release must leave run-c's lock alone
    expect((await clearLakeLock(lake))!.holder!.run_id).toBe('run-a');
    const c = await take(lake, 'run-c');
    expect(await a.release()).toBe('not-ours');
    expect((await readLakeLock(lake))!.holder!.run_id).toBe('run-c');

    const d = await take(lake, 'run-d').catch((e: unknown) => e);
    expect(d).toBeInstanceOf(LakeBusyError);

    await clearLakeLock(lake);
    const f = await take(lake, 'run-f');
    await c.heartbeat(); // run-c's heartbeat: its version is gone
    expect(c.lost.aborted).toBe(true);
    expect(c.lost.reason).toBeInstanceOf(LakeLockLostError);
    expect((c.lost.reason as Error).message).toContain('run-f');
    expect(await f.release()).toBe('released');
    expect(await c.release()).toBe('absent');
  });

  it('reports a stale lock with its holder and how to clear it, and never takes it over by itself', async () => {
    const lake = await newLake();
    const longAgo = () => new Date(Date.now() - 25 * 60_000);
    await take(lake, 'run-dead', { clock: longAgo });
    const err = await take(lake, 'run-new', { staleAfterMs: 10 * 60_000, clearCommand: 'claims unlock --profile dev' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeLockStaleError);
    const stale = err as LakeLockStaleError;
    expect(stale.holder.run_id).toBe('run-dead');
    expect(stale.message).toContain('claims unlock --profile dev');
    expect(stale.message).toContain(hostname());
    expect(stale.message).toMatch(/no heartbeat for 25 min/);
    expect((await readLakeLock(lake))!.holder!.run_id).toBe('run-dead'); // still there

    // clearing is conditional on the version the person looked at
    const seen = (await readLakeLock(lake))!;
    await expect(clearLakeLock(lake, { etag: '"not-that-one"' })).rejects.toThrow(/changed since it was read/);
    expect((await clearLakeLock(lake, { etag: seen.etag }))!.holder!.run_id).toBe('run-dead');
    const fresh = await take(lake, 'run-new');
    expect(fresh.holder.run_id).toBe('run-new');
    await fresh.release();
  });

  it('takes over at once the lock of a run on this machine whose process is gone, and only that', async () => {
    const lake = await newLake();
    const child = spawnSync(process.execPath, ['-e', '0']);
    const deadPid = child.pid as number;
    const holder = { host: hostname(), pid: deadPid, workspace: '/ws/killed', run_id: 'run-killed', what: 'claims run batch 1', since: new Date().toISOString(), heartbeat_at: new Date().toISOString() };
    await lake.createIfAbsent(LAKE_LOCK_KEY, JSON.stringify(holder));
    const previous: string[] = [];
    const lock = await take(lake, 'run-resumed', { onTakeover: (h) => previous.push(h.run_id) });
    expect(previous).toEqual(['run-killed']);
    expect((await readLakeLock(lake))!.holder!.run_id).toBe('run-resumed');
    await lock.release();

    // the same dead pid on another machine says nothing about that machine's process: busy
    await lake.createIfAbsent(LAKE_LOCK_KEY, JSON.stringify({ ...holder, host: 'another-host' }));
    await expect(take(lake, 'run-other')).rejects.toBeInstanceOf(LakeBusyError);
  });

  it('treats an unreadable lock object as busy, not as free', async () => {
    const lake = await newLake();
    await lake.putText(LAKE_LOCK_KEY, 'not json');
    const err = await take(lake, 'run-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeBusyError);
    expect((err as LakeBusyError).holder).toBeNull();
    expect((err as LakeBusyError).retryable).toBe(false);
    expect((await clearLakeLock(lake))!.holder).toBeNull();
    await (await take(lake, 'run-a')).release();
  });
});
