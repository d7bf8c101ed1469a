// Pipeline benchmark: the cleanse stage on 10M raw claims, and the whole local pipeline at 1M claims.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

const claimsCli = (args: string[]) => measure(process.execPath, ['bin/claims.mjs', ...args]);
const stageSeconds = (summary: { stages: Array<{ name: string; seconds: number | null }> }, name: string) => summary.stages.find((s) => s.name === name)?.seconds ?? NaN;
const results: Record<string, unknown> = { machine: machine(), runs: RUNS };
const rows: string[] = [];

// 1. cleanse of N raw claims: land once, then cleanse again and again (--force) from the same raw zone
{
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
{
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
  rows.push(`| whole local pipeline, ${fmt(PIPELINE_CLAIMS / 1e6, 0)}M claims, 1% dirty, generate → verify with dbt (process wall) | ${fmt(median(totals))} s | ${fmt(median(rss), 0)} MB | ≤ 45 s |`);
  rows.push(`| … the same without the transform stage (sum of stage times) | ${fmt(beforeDbt)} s | | ≤ 15 s |`);
  rows.push(`| … transform stage: full dbt build (${dbtCounts.models} models, ${dbtCounts.snapshots} snapshots, ${dbtCounts.tests} tests) | ${fmt(stageMedians.transform ?? NaN)} s | | ≤ 30 s |`);
  rows.push(`| … batch 2 on top: incremental dbt build | ${fmt(median(incremental))} s | | ≤ 15 s |`);
  rows.push(`| … per stage, batch 1 (s) | ${stages} | | |`);
}

const file = await saveResult('pipeline', results);
const m = results.machine as Record<string, unknown>;
const md = `### Pipeline (\`npm run bench:pipeline\`)

Median of ${RUNS} runs on ${m.cpu} (${m.cores} cores, ${m.memory_gb} GB), ${new Date().toISOString().slice(0, 10)}. Raw results: \`${file.slice(ROOT.length + 1)}\`.

| run | time | peak RSS | target |
|---|---|---|---|
${rows.join('\n')}`;
await writeDocSection('pipeline', md);
console.log(md);
