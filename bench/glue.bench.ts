// Glue job 1 on local PySpark (local[2]) against the DuckDB engine, on the same landed batch of 1M
// claims at 1 % defects, side by side: each run cleanses a fresh copy of the raw zone with both
// engines in turn, so both see the same machine load. Wall time is each engine's whole process
// (Node and DuckDB; Python, the JVM and Spark's start-up); peak memory is the summed RSS of the
// process tree, sampled every 100 ms.
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fmt, machine, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OUT = process.env.BENCH_DIR ?? '/tmp/claims-bench';
const CLAIMS = Number(process.env.BENCH_GLUE_CLAIMS ?? 1_000_000);
const PYTHON = join(ROOT, '.venv', 'bin', 'python');

interface Run {
  seconds: number;
  peak_rss_mb: number;
  stdout: string;
}

/** The process and all its descendants' RSS, in kB (Linux /proc). */
async function treeRssKb(root: number): Promise<number> {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const ppid = /PPid:\s+(\d+)/.exec(status)?.[1];
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    if (ppid) parents.set(Number(entry), Number(ppid));
    if (kb) rss.set(Number(entry), Number(kb));
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parents.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, kb] of rss) if (inTree(pid)) total += kb;
  return total;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, DO_NOT_TRACK: '1', ...env } });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setInterval(() => {
      if (child.pid) void treeRssKb(child.pid).then((kb) => (peak = Math.max(peak, kb)));
    }, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ seconds: (performance.now() - started) / 1000, peak_rss_mb: Math.round(peak / 1024), stdout });
    });
  });
}

const ws = join(OUT, `ws-glue-${CLAIMS}`);
await rm(ws, { recursive: true, force: true });
await mkdir(ws, { recursive: true });
await writeFile(
  join(ws, 'profiles.yaml'),
  `active: bench
profiles:
  bench:
    generate: { seed: 42, members: ${Math.round(CLAIMS / 20)}, providers: ${Math.max(200, Math.round(CLAIMS / 500))}, claims: ${CLAIMS}, dirty_rate: 0.01 }
    retry: { max_attempts: 1 }
`,
);
await run(process.execPath, ['bin/claims.mjs', 'run', '--workspace', ws, '--stages', 'generate,ingest', '--json']);
const raw = join(OUT, `raw-glue-${CLAIMS}`);
await rm(raw, { recursive: true, force: true });
await cp(join(ws, 'lake'), raw, { recursive: true });

const duck: Run[] = [];
const spark: Run[] = [];
const sparkJob: number[] = [];
const steps: Record<string, number[]> = {};
let counts: Record<string, unknown> = {};
for (let i = 0; i < RUNS; i++) {
  duck.push(await run(process.execPath, ['bin/claims.mjs', 'run', '--workspace', ws, '--stages', 'cleanse', '--force', '--json']));
  const lake = join(OUT, `lake-spark-${CLAIMS}`);
  await rm(lake, { recursive: true, force: true });
  await cp(raw, lake, { recursive: true });
  const s = await run(PYTHON, ['glue/jobs/cleanse.py', '--lake', lake, '--batch', '1', '--cores', '2', '--driver_memory', '3g']);
  spark.push(s);
  // where the Spark job's time goes: seconds between its progress events, per dataset and step
  const events = s.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { ts: string; event: string; dataset?: string; step?: string; seconds?: number });
  for (let k = 1; k < events.length; k++) {
    const prev = events[k - 1]!;
    if (prev.event !== 'progress' || prev.step === 'done') continue;
    (steps[`${prev.dataset} ${prev.step}`] ??= []).push((Date.parse(events[k]!.ts) - Date.parse(prev.ts)) / 1000);
  }
  sparkJob.push(events.find((e) => e.event === 'committed')?.seconds ?? NaN);
  // both engines must have decided the same: counts per dataset and reason
  const a = JSON.parse(await readFile(join(ws, 'lake', '_manifests', 'curated', 'batch=1.json'), 'utf8'));
  const b = JSON.parse(await readFile(join(lake, '_manifests', 'curated', 'batch=1.json'), 'utf8'));
  for (const name of Object.keys(a.datasets)) {
    const pick = (d: Record<string, unknown>) => JSON.stringify([d.raw_rows, d.curated_rows, d.quarantined_rows, d.duplicates_removed, d.quarantine_by_reason]);
    if (pick(a.datasets[name]) !== pick(b.datasets[name])) throw new Error(`the engines disagree on ${name}: duckdb ${pick(a.datasets[name])}, spark ${pick(b.datasets[name])}`);
  }
  counts = Object.fromEntries(Object.entries(a.datasets as Record<string, { raw_rows: number }>).map(([k, v]) => [k, v.raw_rows]));
  await rm(lake, { recursive: true, force: true });
}

const duckWall = median(duck.map((r) => r.seconds));
const sparkWall = median(spark.map((r) => r.seconds));
const result = {
  machine: machine(),
  runs: RUNS,
  raw_rows: counts,
  duckdb: { seconds: duck.map((r) => r.seconds), peak_rss_mb: duck.map((r) => r.peak_rss_mb), stage_seconds: duck.map((r) => JSON.parse(r.stdout).stages.find((st: { name: string }) => st.name === 'cleanse')?.seconds) },
  spark: { seconds: spark.map((r) => r.seconds), peak_rss_mb: spark.map((r) => r.peak_rss_mb), job_seconds: sparkJob, steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])) },
  ratio: sparkWall / duckWall,
};
const file = await saveResult('glue', result);
const stepRows = Object.entries(result.spark.steps)
  .sort((x, y) => y[1] - x[1])
  .slice(0, 6)
  .map(([k, v]) => `${k} ${fmt(v)} s`)
  .join(', ');
await writeDocSection(
  'glue',
  `### Glue job 1 on local PySpark against the DuckDB engine (\`npm run bench:glue\`)

${fmt(CLAIMS / 1e6, 0)}M raw claims at 1 % defects (plus ${(counts.members as number)?.toLocaleString('en-US')} members, ${(counts.providers as number)?.toLocaleString('en-US')} providers), one landed batch, each engine cleansing a fresh copy of it in turn; median of ${RUNS} runs. Both engines committed the same counts per dataset and reason in every run.

| engine | wall (whole process) | of which the cleanse itself | peak memory (process tree) |
|---|---|---|---|
| DuckDB engine (\`claims run --stages cleanse\`) | ${fmt(duckWall)} s | ${fmt(median(result.duckdb.stage_seconds))} s | ${fmt(median(result.duckdb.peak_rss_mb), 0)} MB |
| Spark engine, Glue job 1 on \`local[2]\` (\`glue/jobs/cleanse.py\`) | ${fmt(sparkWall)} s | ${fmt(median(sparkJob))} s | ${fmt(median(result.spark.peak_rss_mb), 0)} MB |

Ratio Spark / DuckDB (wall): **${fmt(result.ratio, 2)}×** (goal: within 4×). The Spark job's largest steps (median seconds until the next step): ${stepRows}.
Machine: ${result.machine.cores} cores, ${result.machine.memory_gb} GB, load average at start ${result.machine.loadavg_at_start}. Raw results: \`${file.slice(ROOT.length + 1)}\`.`,
);
console.log(JSON.stringify(result, null, 2));
await rm(ws, { recursive: true, force: true });
await rm(raw, { recursive: true, force: true });
