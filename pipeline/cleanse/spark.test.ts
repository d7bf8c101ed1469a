import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp.ts';
import { startPipelineRun } from '../run/index.ts';
import type { CuratedManifest } from './types.ts';

// The Spark engine is Glue job 1's own code on local PySpark (glue/jobs/cleanse.py); its decisions
// are compared row for row with the DuckDB engine's in glue/tests/test_parity.py. These tests are
// about the engine as the cleanse stage sees it: chosen by the profile, streaming its progress,
// returning what it committed, and stopping on cancel.
const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
// batches this small finish before the JVM's optimizing compiler pays for itself
const QUICK_JVM = { JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' };
const savedJavaOptions = process.env.JAVA_TOOL_OPTIONS;
process.env.JAVA_TOOL_OPTIONS = QUICK_JVM.JAVA_TOOL_OPTIONS;
afterAll(async () => {
  if (savedJavaOptions === undefined) delete process.env.JAVA_TOOL_OPTIONS;
  else process.env.JAVA_TOOL_OPTIONS = savedJavaOptions;
  for (const c of cleanups) await c();
});

const PROFILE = (engine: string) => `active: small
profiles:
  small:
    generate: { seed: 5, members: 300, providers: 60, claims: 2000, dirty_rate: 0.05 }
    retry: { max_attempts: 1, base_delay_ms: 0 }
    cleanse: { engine: ${engine} }
`;

async function workspace(engine: string): Promise<string> {
  const { dir, cleanup } = await tempDir('ws-spark-');
  cleanups.push(cleanup);
  await writeFile(join(dir, 'profiles.yaml'), PROFILE(engine));
  return dir;
}

const manifestOf = async (ws: string) => JSON.parse(await readFile(join(ws, 'lake', '_manifests', 'curated', 'batch=1.json'), 'utf8')) as CuratedManifest;
const counts = (m: CuratedManifest) =>
  Object.fromEntries(Object.entries(m.datasets).map(([k, d]) => [k, [d.raw_rows, d.curated_rows, d.quarantined_rows, d.duplicates_removed, d.quarantine_by_reason]]));

describe('cleanse: { engine: spark }', () => {
  it('runs Glue job 1 from claims run and commits what the DuckDB engine commits', { timeout: 600_000 }, async () => {
    const [spark, duck] = [await workspace('spark'), await workspace('duckdb')];
    const cli = (ws: string) => run(process.execPath, ['bin/claims.mjs', 'run', '--workspace', ws, '--stages', 'generate,ingest,cleanse', '--json'], { maxBuffer: 64 << 20 });
    const [s, d] = await Promise.all([cli(spark), cli(duck)]);
    expect(JSON.parse(s.stdout).status).toBe('succeeded');
    expect(JSON.parse(d.stdout).status).toBe('succeeded');
    const [ms, md] = [await manifestOf(spark), await manifestOf(duck)];
    expect(ms.engine).toBe('spark');
    expect(md.engine).toBe('duckdb');
    expect(counts(ms)).toEqual(counts(md));
    expect(ms.datasets.claims!.quarantined_rows).toBeGreaterThan(0);
    // the job's progress reached the run's event log as the cleanse stage's own
    const [runId] = await readdir(join(spark, 'runs'));
    const events = (await readFile(join(spark, 'runs', runId!, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = events.filter((e) => e.type === 'stage.progress' && e.stage === 'cleanse').map((e) => `${String(e.dataset)} ${String(e.message)}`);
    expect(progress).toEqual(expect.arrayContaining(['members validating rows', 'claims resolving duplicates', 'claims writing curated parquet']));
  });

  it('stops the job on cancel, commits nothing, and the next run recovers and commits', { timeout: 600_000 }, async () => {
    const ws = await workspace('spark');
    const controller = new AbortController();
    const cancelled = await startPipelineRun(
      { workspace: ws, batch: 1, stages: ['generate', 'ingest', 'cleanse'] },
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'stage.progress' && e.stage === 'cleanse' && e.dataset === 'providers') controller.abort();
        },
      },
    );
    expect(cancelled.summary.status).toBe('cancelled');
    await expect(readFile(join(ws, 'lake', '_manifests', 'curated', 'batch=1.json'))).rejects.toThrow(/ENOENT/);
    const again = await startPipelineRun({ workspace: ws, batch: 1, stages: ['cleanse'] });
    expect(again.summary.status).toBe('succeeded');
    expect((await manifestOf(ws)).engine).toBe('spark');
    expect(await readdir(join(ws, 'lake', '_staging')).catch(() => [])).toEqual([]);
  });
});
