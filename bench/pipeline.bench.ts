// Pipeline benchmark: the default world as a new user runs it (the edit-run loop), the cleanse stage
// on 10M raw claims, and the whole local pipeline at 1M claims. BENCH_PARTS picks some of them
// (default,cleanse,1m); each part writes its own section of docs/benchmarks.md.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPipelineRun } from '../pipeline/run/index.ts';
import { DbtWorker } from '../pipeline/transform/dbt-worker.ts';
import { fmt, machine, measure, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OUT = process.env.BENCH_DIR ?? '/tmp/claims-bench';
const CLEANSE_CLAIMS = Number(process.env.BENCH_CLEANSE_CLAIMS ?? 10_000_000);
const PIPELINE_CLAIMS = Number(process.env.BENCH_PIPELINE_CLAIMS ?? 1_000_000);

function profile(claims: number, dirty: number): string {
  return `active: bench
profiles:
  bench:
    generate: { seed: 42, members: ${Math.round(claims / 20)}, providers: ${Math.max(200, Math.round(claims / 500))}, claims: ${claims}, dirty_rate: ${dirty} }
    retry: { max_attempts: 1 }
`;
}

const PARTS = new Set((process.env.BENCH_PARTS ?? 'default,cleanse,1m').split(','));

const claimsCli = (args: string[]) => measure(process.execPath, ['bin/claims.mjs', ...args]);
const stageSeconds = (summary: { stages: Array<{ name: string; seconds: number | null }> }, name: string) => summary.stages.find((s) => s.name === name)?.seconds ?? NaN;
const results: Record<string, unknown> = { machine: machine(), runs: RUNS };
const rows: string[] = [];
const defaultRows: string[] = [];

// 0. the default world (the built-in profile: 20k claims), batch 1 then batch 2, on a fresh
// workspace each time: what an engineer changing a model waits for
if (PARTS.has('default')) {
  const wall: number[] = [];
  const transform: number[] = [];
  const transform2: number[] = [];
  const wall2: number[] = [];
  const perStage: Record<string, number[]> = {};
  const app = { wall: [] as number[], transform: [] as number[], wall2: [] as number[], transform2: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const ws = join(OUT, 'ws-default-world');
    await rm(ws, { recursive: true, force: true });
    await mkdir(ws, { recursive: true });
    const first = await claimsCli(['run', '--workspace', ws, '--json']);
    const s = JSON.parse(first.output);
    if (s.status !== 'succeeded') throw new Error(`default world failed: ${s.error}`);
    wall.push(first.seconds);
    transform.push(stageSeconds(s, 'transform'));
    for (const st of s.stages) (perStage[st.name] ??= []).push(st.seconds ?? 0);
    const second = await claimsCli(['run', '--workspace', ws, '--batch', '2', '--json']);
    const s2 = JSON.parse(second.output);
    if (s2.status !== 'succeeded') throw new Error(`default world batch 2 failed: ${s2.error}`);
    wall2.push(second.seconds);
    transform2.push(stageSeconds(s2, 'transform'));
    await rm(ws, { recursive: true, force: true });

    // the same two runs from the app: in its process, with its dbt process (new: an app just opened)
    await mkdir(ws, { recursive: true });
    const dbt = new DbtWorker();
    try {
      for (const [batch, walls, transforms] of [[1, app.wall, app.transform], [2, app.wall2, app.transform2]] as const) {
        const started = performance.now();
        const { summary } = await startPipelineRun({ workspace: ws, batch }, { dbt });
        if (summary.status !== 'succeeded') throw new Error(`default world from the app, batch ${batch}, failed: ${summary.error}`);
        walls.push((performance.now() - started) / 1000);
        transforms.push(stageSeconds(summary, 'transform'));
      }
    } finally {
      await dbt.stop();
    }
    await rm(ws, { recursive: true, force: true });
  }
  results.default_world = {
    seconds: wall,
    transform_seconds: transform,
    batch2_seconds: wall2,
    batch2_transform_seconds: transform2,
    stages: Object.fromEntries(Object.entries(perStage).map(([k, v]) => [k, median(v)])),
    app,
  };
  defaultRows.push(`| \`claims run\`, default world, batch 1, generate → verify (process wall) | ${fmt(median(wall))} s | ≤ 10 s |`);
  defaultRows.push(`| … transform stage | ${fmt(median(transform))} s | ≤ 6 s |`);
  defaultRows.push(`| batch 2 on top (process wall) | ${fmt(median(wall2))} s | |`);
  defaultRows.push(`| … its transform stage (incremental) | ${fmt(median(transform2))} s | ≤ 5 s |`);
  defaultRows.push(`| the same from the app (its process and its dbt process), batch 1, generate → verify | ${fmt(median(app.wall))} s | ≤ 10 s |`);
  defaultRows.push(`| … transform stage (dbt's imports overlapped with the stages before it) | ${fmt(median(app.transform))} s | ≤ 6 s |`);
  defaultRows.push(`| batch 2 on top, from the app | ${fmt(median(app.wall2))} s | |`);
  defaultRows.push(`| … its transform stage (incremental) | ${fmt(median(app.transform2))} s | ≤ 5 s |`);
  defaultRows.push(`| … per stage, batch 1 (s) | ${Object.entries(perStage).map(([k, v]) => `${k} ${fmt(median(v))}`).join(', ')} | |`);
}

// 1. cleanse of N raw claims: land once, then cleanse again and again (--force) from the same raw zone
if (PARTS.has('cleanse')) {
  const ws = join(OUT, `ws-cleanse-${CLEANSE_CLAIMS}`);
  await rm(ws, { recursive: true, force: true });
  await mkdir(ws, { recursive: true });
  await writeFile(join(ws, 'profiles.yaml'), profile(CLEANSE_CLAIMS, 0));
  await claimsCli(['run', '--workspace', ws, '--stages', 'generate,ingest', '--json']);
  const stage: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await claimsCli(['run', '--workspace', ws, '--stages', 'cleanse', '--force', '--json']);
    const s = JSON.parse(m.output);
    if (s.status !== 'succeeded') throw new Error(`cleanse failed: ${s.error}`);
    stage.push(stageSeconds(s, 'cleanse'));
    rss.push(m.max_rss_mb);
  }
  results.cleanse = { claims: CLEANSE_CLAIMS, seconds: stage, median_seconds: median(stage), max_rss_mb: rss, median_rss_mb: median(rss) };
  rows.push(`| cleanse stage, ${fmt(CLEANSE_CLAIMS / 1e6, 0)}M raw claims (+ members, providers) | ${fmt(median(stage))} s | ${fmt(median(rss), 0)} MB | ≤ 30 s, ≤ 2 GB |`);
  await rm(ws, { recursive: true, force: true });
}

// 2. the whole local pipeline, generate to verify, on a fresh workspace each time
if (PARTS.has('1m')) {
  const totals: number[] = [];
  const perStage: Record<string, number[]> = {};
  const rss: number[] = [];
  const incremental: number[] = [];
  const batch2: number[] = [];
  let dbtCounts: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    const ws = join(OUT, `ws-pipeline-${PIPELINE_CLAIMS}`);
    await rm(ws, { recursive: true, force: true });
    await mkdir(ws, { recursive: true });
    await writeFile(join(ws, 'profiles.yaml'), profile(PIPELINE_CLAIMS, 0.01));
    const m = await claimsCli(['run', '--workspace', ws, '--json']);
    const s = JSON.parse(m.output);
    if (s.status !== 'succeeded') throw new Error(`pipeline failed: ${s.error}`);
    totals.push(m.seconds);
    rss.push(m.max_rss_mb);
    for (const st of s.stages) (perStage[st.name] ??= []).push(st.seconds ?? 0);
    dbtCounts = s.rows.dbt ?? {};
    // the next monthly batch on top: dbt's incremental models and snapshots take the new versions
    const next = await claimsCli(['run', '--workspace', ws, '--batch', '2', '--json']);
    const s2 = JSON.parse(next.output);
    if (s2.status !== 'succeeded') throw new Error(`batch 2 failed: ${s2.error}`);
    incremental.push(stageSeconds(s2, 'transform'));
    batch2.push(next.seconds);
    await rm(ws, { recursive: true, force: true });
  }
  const stageMedians = Object.fromEntries(Object.entries(perStage).map(([k, v]) => [k, median(v)]));
  results.pipeline = { claims: PIPELINE_CLAIMS, seconds: totals, median_seconds: median(totals), stages: stageMedians, max_rss_mb: rss, batch2_seconds: batch2, batch2_transform_seconds: incremental };
  const beforeDbt = Object.entries(stageMedians).filter(([k]) => k !== 'transform').reduce((sum, [, v]) => sum + v, 0);
  const stages = Object.entries(perStage).map(([k, v]) => `${k} ${fmt(median(v))}`).join(', ');
  rows.push(`| whole local pipeline, ${fmt(PIPELINE_CLAIMS / 1e6, 0)}M claims, 1% dirty, generate → verify with dbt (process wall) | ${fmt(median(totals))} s | ${fmt(median(rss), 0)} MB | ≤ 25 s |`);
  rows.push(`| … the same without the transform stage (sum of stage times) | ${fmt(beforeDbt)} s | | ≤ 15 s |`);
  rows.push(`| … transform stage: full dbt build (${dbtCounts.models} models, ${dbtCounts.snapshots} snapshots, ${dbtCounts.tests} tests) | ${fmt(stageMedians.transform ?? NaN)} s | | ≤ 12 s |`);
  rows.push(`| … batch 2 on top: incremental dbt build | ${fmt(median(incremental))} s | | ≤ 10 s |`);
  rows.push(`| … per stage, batch 1 (s) | ${stages} | | |`);
}

const file = await saveResult('pipeline', results);
const m = results.machine as Record<string, unknown>;
const measured = `Median of ${RUNS} runs on ${m.cpu} (${m.cores} cores, ${m.memory_gb} GB), load average at the start ${m.loadavg_at_start}, ${new Date().toISOString().slice(0, 10)}. Raw results: \`${file.slice(ROOT.length + 1)}\`.`;
if (defaultRows.length) {
  const md = `### The default world, as a new user runs it (\`npm run bench:pipeline\`, part \`default\`)

The built-in profile (20k claims, 2,000 members, 200 providers, 1% dirty) on a fresh workspace:
\`claims run\`, then \`claims run --batch 2\` on top. ${measured}

| run | time | target |
|---|---|---|
${defaultRows.join('\n')}`;
  await writeDocSection('pipeline-default', md);
  console.log(md);
}
if (rows.length) {
  const md = `### Pipeline (\`npm run bench:pipeline\`)

${measured}

| run | time | peak RSS | target |
|---|---|---|---|
${rows.join('\n')}`;
  await writeDocSection('pipeline', md);
  console.log(md);
}
