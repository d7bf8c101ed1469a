// Does the app's long-lived dbt process (pipeline/transform/dbt-worker.ts) make the transform stage
// faster than a dbt CLI per build? The stage's own DbtTransformer on the default world's warehouse,
// first with the one-shot CLI, then with one DbtWorker: its first build (the process started at
// the build, imports included) and the builds after it. Each build is an increment with nothing
// new (batch 1 already built), so the differences are dbt's fixed costs, not the models' work.
// BENCH_RUNS (default 5).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_PROFILE } from '../pipeline/profiles/load.ts';
import { localDbtOptions } from '../pipeline/run/environment.ts';
import { DbtTransformer } from '../pipeline/transform/dbt.ts';
import { oneShotDbt, type DbtInvoker } from '../pipeline/transform/dbt-process.ts';
import { DbtWorker } from '../pipeline/transform/dbt-worker.ts';
import { workspacePaths } from '../pipeline/workspace.ts';
import { fmt, machine, measure, median, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WS = join(process.env.BENCH_DIR ?? '/tmp/claims-bench', 'ws-dbt-runner');
const paths = workspacePaths(WS);

if (!existsSync(paths.warehouse)) {
  console.log(`building ${WS}: the default world, batch 1, through claims run…`);
  await measure(process.execPath, ['bin/claims.mjs', 'run', '--workspace', WS, '--json']);
}

async function builds(label: string, dbt: DbtInvoker, n: number): Promise<number[]> {
  const transformer = new DbtTransformer(localDbtOptions(paths, LOCAL_PROFILE, false), dbt);
  const seconds: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await transformer.build({ artifactsDir: join(WS, 'bench-artifacts') });
    if (!r.success) throw new Error(`${label} build ${i + 1} failed: ${r.nodes.filter((x) => !['success', 'pass', 'no-op'].includes(x.status)).map((x) => x.name).join(', ')}`);
    seconds.push(r.seconds);
    console.log(`${label} build ${i + 1}: ${fmt(r.seconds)} s`);
  }
  return seconds;
}

const cli = await builds('CLI', oneShotDbt, RUNS);
const worker = new DbtWorker();
let first: number;
let warm: number[];
try {
  [first] = await builds('worker, first', worker, 1) as [number];
  warm = await builds('worker', worker, RUNS);
} finally {
  await worker.stop();
}

const m = machine();
const file = await saveResult('dbt-runner', { machine: m, runs: RUNS, workspace: WS, cli_seconds: cli, worker_first_seconds: first, worker_seconds: warm });
await writeDocSection(
  'dbt-runner',
  `### The app's long-lived dbt process against a dbt CLI per build

The transform stage's own \`dbt build\` (DbtTransformer, as a run calls it) on the default world's warehouse (batch 1
already built, so each build is an increment with nothing new: the differences are dbt's fixed costs), ${RUNS} builds
each way, median; ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.node}. Raw results: \`${file.replace(/^.*bench\//, 'bench/')}\`.

| how dbt runs | build |
|---|---:|
| CLI, one process per build (\`claims run\`, and the app before) | ${fmt(median(cli))} s |
| the app's dbt process, its first build (started at the build: imports included) | ${fmt(first)} s |
| the app's dbt process, the builds after | ${fmt(median(warm))} s |`,
);
