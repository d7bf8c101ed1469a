// Would a long-lived dbt process make the app's transform stage faster? The stage's own `dbt build`
// (same arguments, environment and working directory as pipeline/transform/dbt.ts) on the default
// world's warehouse, three ways: the CLI as a child process per build (what the stage does), dbt's
// programmatic runner invoked again in one Python process (the imports paid once), and that runner
// handed a manifest parsed once (the parse skipped too). Each build is a no-op-sized increment on
// the same batch, so the differences are dbt's fixed costs, not the models' work.
// BENCH_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_PROFILE } from '../pipeline/profiles/load.ts';
import { localDbtOptions } from '../pipeline/run/environment.ts';
import { dbtBuildArgs, dbtExecutable, runLocation } from '../pipeline/transform/dbt.ts';
import { workspacePaths } from '../pipeline/workspace.ts';
import { fmt, machine, measure, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WS = join(process.env.BENCH_DIR ?? '/tmp/claims-bench', 'ws-dbt-runner');
const paths = workspacePaths(WS);

if (!existsSync(paths.warehouse)) {
  console.log(`building ${WS}: the default world, batch 1, through claims run…`);
  await measure(process.execPath, ['bin/claims.mjs', 'run', '--workspace', WS, '--json']);
}

const options = localDbtOptions(paths, LOCAL_PROFILE, false);
const args = dbtBuildArgs(options);
const { cwd, env } = runLocation(options.env);
const childEnv = { ...process.env, ...env, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' };

const cli: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  const r = spawnSync(dbtExecutable(), args, { cwd, env: childEnv, encoding: 'utf8', timeout: 600_000 });
  cli.push((performance.now() - started) / 1000);
  if (r.status !== 0) throw new Error(`dbt build exited ${r.status}: ${r.stdout.slice(-2000)}${r.stderr.slice(-1000)}`);
  console.log(`CLI build ${i + 1}: ${fmt(cli.at(-1)!)} s`);
}

const python = join(ROOT, '.venv', 'bin', 'python');
const probe = spawnSync(python, [join(ROOT, 'bench', 'dbt_runner_probe.py'), String(RUNS), ...args], { cwd, env: childEnv, encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 28 });
if (probe.status !== 0) throw new Error(`the dbtRunner probe exited ${probe.status}: ${probe.stderr.slice(-3000)}`);
const last = probe.stdout.trim().split('\n').at(-1)!;
const p = JSON.parse(last) as { import_seconds: number; reparsed: number[]; parse_seconds: number; manifest_reused: number[] };
// the runner's first build in the process pays what a fresh process would; the later ones are what reuse buys
const warm = p.reparsed.slice(1);
const reused = p.manifest_reused;
console.log(JSON.stringify({ cli, ...p }));

const file = await saveResult('dbt-runner', { machine: machine(), runs: RUNS, workspace: WS, cli_seconds: cli, ...p });
const m = machine();
await writeDocSection(
  'dbt-runner',
  `### A long-lived dbt process for the app's transform stage

The transform stage's own \`dbt build\` on the default world's warehouse (batch 1 already built, so each build is an
increment with nothing new: the differences are dbt's fixed costs), ${RUNS} builds each way, median; ${m.cores} cores,
${m.memory_gb} GB, ${m.node}. Raw results: \`${file.replace(/^.*bench\//, 'bench/')}\`.

| how dbt runs | build, median |
|---|---:|
| CLI, one process per build (the stage today) | ${fmt(median(cli))} s |
| dbtRunner, again in the same Python process (imports once: ${fmt(p.import_seconds)} s) | ${fmt(median(warm))} s |
| dbtRunner with the manifest parsed once (parse: ${fmt(p.parse_seconds)} s) | ${fmt(median(reused))} s |`,
);
