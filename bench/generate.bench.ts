// Generator benchmark: claims/s and peak RSS at 1M and 10M claims, the reference-style Python
// Faker baseline at 100k, and DuckDB writing an equally wide table of trivial values (the ceiling).
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openDuckDB } from '../pipeline/duckdb/connection.ts';
import { fmt, machine, measure, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const OUT = process.env.BENCH_DIR ?? '/tmp/claims-bench';

async function dirBytes(dir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

const results: Record<string, unknown> = { machine: machine(), runs: RUNS };
const rows: string[] = [];
let ours10m: { claimsPerSecond: number; mbPerSecond: number; rows: number; bytes: number } | undefined;
for (const claims of SIZES) {
  const members = Math.round(claims / 20);
  const providers = Math.max(200, Math.round(claims / 500));
  const times: number[] = [];
  const rss: number[] = [];
  let bytes = 0;
  let written = 0;
  for (let i = 0; i < RUNS; i++) {
    const out = join(OUT, `gen-${claims}`);
    await rm(out, { recursive: true, force: true });
    const m = await measure(process.execPath, ['bin/claims.mjs', 'generate', '--claims', String(claims), '--members', String(members), '--providers', String(providers), '--dirty-rate', '0', '--out', out, '--json']);
    const manifest = JSON.parse(m.output);
    written = manifest.datasets.claims.rows;
    bytes = await dirBytes(out);
    times.push(m.seconds);
    rss.push(m.max_rss_mb);
  }
  const s = median(times);
  const entry = { claims, members, providers, claims_written: written, seconds: times, median_seconds: s, claims_per_second: written / s, max_rss_mb: rss, median_rss_mb: median(rss), output_mb: bytes / 1e6, mb_per_second: bytes / 1e6 / s };
  results[`ours_${claims}`] = entry;
  rows.push(`| ours, ${fmt(claims / 1e6, 0)}M claims (${fmt(members / 1000, 0)}k members, ${fmt(providers / 1000, 0)}k providers) | ${fmt(s)} s | ${fmt(written / s / 1000, 0)}k | ${fmt(median(rss), 0)} MB | ${fmt(bytes / 1e6 / s, 0)} MB/s |`);
  if (claims === Math.max(...SIZES)) ours10m = { claimsPerSecond: written / s, mbPerSecond: bytes / 1e6 / s, rows: written, bytes };
}

// Ceiling: DuckDB writing as many rows, with the same number of columns and bytes, of a constant value.
if (ours10m) {
  const cols = 24;
  const width = Math.max(1, Math.round(ours10m.bytes / ours10m.rows / cols) - 1);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const db = await openDuckDB({ memoryLimit: '1GB' });
    const file = join(OUT, 'ceiling.csv');
    const t = performance.now();
    await db.conn.run(`COPY (SELECT ${Array.from({ length: cols }, (_, k) => `'${'x'.repeat(width)}' AS c${k}`).join(', ')} FROM range(${ours10m.rows})) TO '${file}' (HEADER)`);
    times.push((performance.now() - t) / 1000);
    const bytes = (await stat(file)).size;
    db.close();
    await rm(file);
    results.ceiling = { rows: ours10m.rows, columns: cols, value_width: width, seconds: times, mb_per_second: bytes / 1e6 / median(times) };
  }
  const c = results.ceiling as { mb_per_second: number; seconds: number[] };
  rows.push(`| DuckDB writing ${fmt(ours10m.rows / 1e6)}M rows × ${cols} constant ${width}-char columns (ceiling) | ${fmt(median(c.seconds))} s | | | ${fmt(c.mb_per_second, 0)} MB/s |`);
}

// Baseline: the reference project's row-by-row Faker generator at 100k claims.
const base: number[] = [];
let baselineRss = 0;
for (let i = 0; i < RUNS; i++) {
  const m = await measure(join(ROOT, '.venv/bin/python'), ['bench/baseline_faker.py', '--claims', '100000', '--out', join(OUT, 'baseline'), '--seed', '42']);
  const r = JSON.parse(m.output.trim().split('\n').pop()!);
  base.push(r.claims_per_second);
  baselineRss = m.max_rss_mb;
}
const baseline = median(base);
results.baseline = { claims: 100_000, claims_per_second: base, median_claims_per_second: baseline, max_rss_mb: baselineRss };
rows.push(`| reference-style Python Faker baseline, 100k claims | | ${fmt(baseline / 1000, 0)}k | ${fmt(baselineRss, 0)} MB | |`);

const file = await saveResult('generate', results);
const ratio = ours10m ? ours10m.claimsPerSecond / baseline : NaN;
const ceiling = (results.ceiling as { mb_per_second: number } | undefined)?.mb_per_second ?? NaN;
const md = `### Generator (\`npm run bench:generate\`)

Median of ${RUNS} runs on ${results.machine && (results.machine as Record<string, unknown>).cpu} (${(results.machine as Record<string, unknown>).cores} cores, ${(results.machine as Record<string, unknown>).memory_gb} GB), ${new Date().toISOString().slice(0, 10)}. Raw results: \`${file.slice(ROOT.length + 1)}\`.

| run | wall | claims/s | peak RSS | output |
|---|---|---|---|---|
${rows.join('\n')}

- ours vs the baseline: **${fmt(ratio)}×** the claims per second (target ≥ 10×), writing 24 claim columns against the baseline's 12.
- ours vs the ceiling: **${fmt(ceiling / (ours10m?.mbPerSecond ?? NaN), 2)}×** slower than DuckDB writing trivial values of the same width (target ≤ 2×).`;
await writeDocSection('generate', md);
console.log(md);
