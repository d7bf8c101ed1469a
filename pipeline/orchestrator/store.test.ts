import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvent, createRun, listRuns, loadRun, newRunId, readEvents, RUN_ID_PATTERN, runDir, saveRun, settleInterruptedRuns } from './store.ts';
import type { RunEvent, RunOptions, StageRecord } from './types.ts';

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'orchestrator-store-'));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const options = (extra: Record<string, unknown> = {}): RunOptions => ({ profile: 'local', workspace, batch: 1, ...extra });
const pending = (name: StageRecord['name']): StageRecord => ({ name, status: 'pending', attempts: 0, startedAt: null, endedAt: null, seconds: null, rows: {}, result: null });

describe('run ids', () => {
  it('are UTC date, time and 6 hex digits, sortable by start time', () => {
    const id = newRunId(new Date('2025-03-04T05:06:07.890Z'));
    expect(id).toMatch(/^20250304-050607-[0-9a-f]{6}$/);
    expect(RUN_ID_PATTERN.test(id)).toBe(true);
    expect([newRunId(new Date('2025-12-01T00:00:00Z')), newRunId(new Date('2025-02-01T00:00:00Z'))].sort()[0]).toMatch(/^20250201/);
  });

  it('are checked before they become paths', () => {
    expect(() => runDir(workspace, '../../etc')).toThrow('Invalid run id "../../etc": run ids look like 20250131-142501-a1b2c3.');
  });
});

describe('run records', () => {
  it('creates runs/<runId>/run.json and reloads it as written', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [pending('generate'), pending('ingest')], now: new Date('2025-01-02T03:04:05Z') });
    expect(run.runId).toMatch(/^20250102-030405-[0-9a-f]{6}$/);
    expect(run).toMatchObject({ profile: 'local', batch: 1, status: 'running', trigger: 'manual', startedAt: '2025-01-02T03:04:05.000Z', endedAt: null });
    expect(await loadRun(workspace, run.runId)).toEqual(run);
    expect(JSON.parse(await readFile(join(workspace, 'runs', run.runId, 'run.json'), 'utf8'))).toEqual(run);
  });

  it('replaces run.json by renaming a complete temporary file over it', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'api', stages: [pending('load')] });
    const path = join(runDir(workspace, run.runId), 'run.json');
    const before = await stat(path);
    run.status = 'succeeded';
    run.stages[0] = { ...pending('load'), status: 'succeeded', attempts: 1, rows: { claims: 20_000 }, result: { rows: { claims: 20_000 } } };
    await saveRun(workspace, run);
    // A rename puts a new inode at the path; an in-place write would keep the old one.
    expect((await stat(path)).ino).not.toBe(before.ino);
    expect(await readdir(runDir(workspace, run.runId))).toEqual(['run.json']);
    expect((await loadRun(workspace, run.runId)).stages[0]).toMatchObject({ status: 'succeeded', rows: { claims: 20_000 } });
  });

  it('keeps the old run.json when a save fails', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    const broken = { ...run, status: 'failed' as const, options: { ...run.options, toJSON: () => { throw new Error('cannot serialise'); } } };
    await expect(saveRun(workspace, broken)).rejects.toThrow('cannot serialise');
    expect((await loadRun(workspace, run.runId)).status).toBe('running');
    expect(await readdir(runDir(workspace, run.runId))).toEqual(['run.json']);
  });

  it('redacts secrets in the stored options', async () => {
    const run = await createRun(workspace, { options: options({ snowflake: { user: 'u', password: 'hunter2' }, awsSecretAccessKey: 'abc123' }), trigger: 'manual', stages: [] });
    const text = await readFile(join(runDir(workspace, run.runId), 'run.json'), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc123');
    expect(run.options).toMatchObject({ snowflake: { user: 'u', password: '[redacted]' }, awsSecretAccessKey: '[redacted]' });
  });

  it('says which run is missing, and which run.json is broken', async () => {
    await expect(loadRun(workspace, '20250101-000000-abcdef')).rejects.toThrow(/^Run 20250101-000000-abcdef not found: there is no .*run\.json/);
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    const path = join(runDir(workspace, run.runId), 'run.json');
    await writeFile(path, '{"runId": ');
    await expect(loadRun(workspace, run.runId)).rejects.toThrow(`Run ${run.runId}: ${path} is not valid JSON`);
    await writeFile(path, JSON.stringify({ ...run, status: 'exploded' }));
    await expect(loadRun(workspace, run.runId)).rejects.toThrow(/is not a valid run record: \/status must be equal to one of the allowed values/);
  });
});

describe('listRuns', () => {
  it('lists runs newest first, filtered by status and limited', async () => {
    expect(await listRuns(workspace)).toEqual([]);
    const at = (iso: string) => new Date(iso);
    const a = await createRun(workspace, { options: options(), trigger: 'manual', stages: [], now: at('2025-01-01T10:00:00.100Z') });
    const b = await createRun(workspace, { options: options(), trigger: 'schedule', stages: [], now: at('2025-01-03T10:00:00Z') });
    // same second as a, later by milliseconds: the id cannot order them, startedAt does
    const c = await createRun(workspace, { options: options(), trigger: 'manual', stages: [], now: at('2025-01-01T10:00:00.900Z') });
    b.status = 'failed';
    await saveRun(workspace, b);
    await writeFile(join(workspace, 'runs', 'README.txt'), 'not a run');

    expect((await listRuns(workspace)).map((r) => r.runId)).toEqual([b.runId, c.runId, a.runId]);
    expect((await listRuns(workspace, { limit: 2 })).map((r) => r.runId)).toEqual([b.runId, c.runId]);
    expect((await listRuns(workspace, { status: 'running' })).map((r) => r.runId)).toEqual([c.runId, a.runId]);
    expect((await listRuns(workspace, { status: 'failed' })).map((r) => r.trigger)).toEqual(['schedule']);
    await expect(listRuns(workspace, { limit: 0 })).rejects.toThrow(/limit must be a whole number ≥ 1, got 0/);
  });
});

describe('events', () => {
  it('appends one JSON line per event, in order, with secrets redacted', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    const events: RunEvent[] = [
      { type: 'stage.started', runId: run.runId, seq: 1, timestamp: '2025-01-01T00:00:00.000Z', stage: 'load', attempt: 1, maxAttempts: 3, timeoutMs: 1000 },
      { type: 'stage.log', runId: run.runId, seq: 2, timestamp: '2025-01-01T00:00:01.000Z', stage: 'load', attempt: 1, level: 'info', message: 'connected', fields: { token: 'abc', rows: 3 } },
    ];
    for (const e of events) appendEvent(workspace, run.runId, e);
    const text = await readFile(join(runDir(workspace, run.runId), 'events.jsonl'), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(text).not.toContain('abc');
    const read = await readEvents(workspace, run.runId);
    expect(read.map((e) => e.type)).toEqual(['stage.started', 'stage.log']);
    expect(read[1]).toMatchObject({ fields: { token: '[redacted]', rows: 3 } });
  });

  it('names the file and line of a broken event', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    const path = join(runDir(workspace, run.runId), 'events.jsonl');
    await writeFile(path, `${JSON.stringify({ type: 'run.started', runId: run.runId, timestamp: 't' })}\n{oops\n`);
    await expect(readEvents(workspace, run.runId)).rejects.toThrow(`${path}, line 2: not valid JSON`);
  });

  it('numbers the events of a log written before events had a seq by their line, and rejects a bad seq', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    const path = join(runDir(workspace, run.runId), 'events.jsonl');
    const line = (type: string, extra = {}) => JSON.stringify({ type, runId: run.runId, timestamp: 't', ...extra });
    await writeFile(path, `${line('run.started')}\n${line('stage.started')}\n${line('run.finished')}\n`);
    expect((await readEvents(workspace, run.runId)).map((e) => e.seq)).toEqual([1, 2, 3]);
    await writeFile(path, `${line('run.started', { seq: 1 })}\n${line('stage.started', { seq: 0 })}\n`);
    await expect(readEvents(workspace, run.runId)).rejects.toThrow(`${path}, line 2: seq must be a whole number from 1, got 0.`);
  });
});

describe('interrupted runs', () => {
  it('are marked failed at the stage that was running, with a hint to resume, and a closing event', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [pending('generate'), pending('ingest'), pending('cleanse')], now: new Date('2025-01-02T03:04:05Z') });
    run.stages[0] = { ...pending('generate'), status: 'succeeded', attempts: 1, startedAt: '2025-01-02T03:04:05.000Z', endedAt: '2025-01-02T03:04:07.000Z', seconds: 2 };
    run.stages[1] = { ...pending('ingest'), status: 'running', attempts: 1, startedAt: '2025-01-02T03:04:07.000Z' };
    await saveRun(workspace, run);
    const done = await createRun(workspace, { options: options(), trigger: 'manual', stages: [] });
    done.status = 'succeeded';
    await saveRun(workspace, done);

    expect(await settleInterruptedRuns(workspace, new Date('2025-01-02T03:05:07Z'))).toEqual([run.runId]);
    const settled = await loadRun(workspace, run.runId);
    expect(settled).toMatchObject({ status: 'failed', endedAt: '2025-01-02T03:05:07.000Z', seconds: 62, error: { stage: 'ingest', hint: `Resume it with: claims run --resume ${run.runId}` } });
    expect(settled.error?.message).toMatch(/^Interrupted: the process running stage ingest stopped before it finished/);
    expect(settled.stages.map((s) => s.status)).toEqual(['succeeded', 'failed', 'pending']);
    expect(settled.stages[1]).toMatchObject({ endedAt: '2025-01-02T03:05:07.000Z', seconds: 60 });
    expect((await readEvents(workspace, run.runId)).at(-1)).toMatchObject({ type: 'run.finished', seq: 1, status: 'failed', error: { stage: 'ingest' } });
    expect((await loadRun(workspace, done.runId)).status).toBe('succeeded');
    expect(await settleInterruptedRuns(workspace)).toEqual([]);
  });

  it('close the log after the events the interrupted process wrote, with the next seq', async () => {
    const run = await createRun(workspace, { options: options(), trigger: 'manual', stages: [pending('generate')] });
    run.stages[0] = { ...pending('generate'), status: 'running', attempts: 1, startedAt: run.startedAt };
    await saveRun(workspace, run);
    const base = { runId: run.runId, timestamp: run.startedAt };
    appendEvent(workspace, run.runId, { ...base, seq: 1, type: 'run.started', profile: 'local', batch: 1, trigger: 'manual', plan: ['generate'], options: options() });
    appendEvent(workspace, run.runId, { ...base, seq: 2, type: 'stage.started', stage: 'generate', attempt: 1, maxAttempts: 1, timeoutMs: 1000 });
    await settleInterruptedRuns(workspace);
    expect((await readEvents(workspace, run.runId)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'run.started'],
      [2, 'stage.started'],
      [3, 'run.finished'],
    ]);
  });
});
