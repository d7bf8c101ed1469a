// Lineage layout time: the app's layout (ranks, then elkjs's layered algorithm with orthogonal
// edge routing) on this project's dbt graph and on generated dbt-shaped graphs of 200, 400 and
// 800 nodes. Each size runs in a fresh Node process: its first layout includes compiling elkjs
// (what the Lineage view waits for the first time it opens), the others are warm. Reported:
// median, min and max of the warm runs (wall clock and CPU time of the process), and the first.
// BENCH_RUNS (default 10) warm runs per size; BENCH_SIZES (default 200,400,800).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { layoutLineage } from '../renderer/src/charts/lineage-layout.ts';
import { projectLineage } from '../renderer/testing/project-lineage.ts';
import { syntheticLineage } from '../renderer/testing/synthetic-lineage.ts';
import { fmt, machine, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const SIZES = (process.env.BENCH_SIZES ?? '200,400,800').split(',').map(Number);

interface Sample {
  graph: string;
  nodes: number;
  edges: number;
  first_ms: number;
  wall_ms: number[];
  cpu_ms: number[];
  width: number;
  height: number;
}

async function measureOne(which: string): Promise<Sample> {
  const graph = which === 'project' ? projectLineage() : syntheticLineage(Number(which));
  const wall: number[] = [];
  const cpu: number[] = [];
  let size = { width: 0, height: 0 };
  for (let i = 0; i <= RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const l = await layoutLineage(graph.nodes, graph.edges);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    wall.push(t);
    cpu.push((c.user + c.system) / 1000);
    size = { width: l.width, height: l.height };
  }
  return { graph: which === 'project' ? "this project's dbt graph" : `generated, ${which} nodes`, nodes: graph.nodes.length, edges: graph.edges.length, first_ms: wall[0]!, wall_ms: wall.slice(1), cpu_ms: cpu.slice(1), ...size };
}

const one = process.argv.indexOf('--one');
if (one >= 0) {
  process.stdout.write(`${JSON.stringify(await measureOne(process.argv[one + 1]!))}\n`);
} else {
  const m = machine();
  const samples: Sample[] = [];
  for (const which of ['project', ...SIZES.map(String)]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/lineage-layout.bench.ts', '--one', which], { cwd: ROOT, encoding: 'utf8' });
    const s = JSON.parse(out.trim().split('\n').at(-1)!) as Sample;
    samples.push(s);
    console.log(`${s.graph}: ${s.nodes} nodes, ${s.edges} edges: first ${fmt(s.first_ms, 0)} ms, then median ${fmt(median(s.wall_ms), 0)} ms (cpu ${fmt(median(s.cpu_ms), 0)} ms)`);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const file = await saveResult('lineage-layout', { machine: m, runs: RUNS, loadavg_at_end: load, samples });
  const row = (s: Sample) =>
    `| ${s.graph} | ${s.nodes} | ${s.edges} | ${fmt(median(s.wall_ms), 0)} | ${fmt(Math.min(...s.wall_ms), 0)} | ${fmt(Math.max(...s.wall_ms), 0)} | ${fmt(median(s.cpu_ms), 0)} | ${fmt(s.first_ms, 0)} |`;
  await writeDocSection(
    'lineage-layout',
    `### Lineage layout (\`npm run bench:lineage\`)

The Lineage view's layout (ranks by dependency, then elkjs's layered algorithm with orthogonal edge routing) in Node,
${RUNS} warm runs per graph after a first run that includes compiling elkjs, each graph in a fresh process; ${m.cpu}
(${m.cores} cores, ${m.memory_gb} GB), ${m.node}, load average ${m.loadavg_at_start} at the start and ${load} at the end.
Target: 400 nodes in under 300 ms. Raw results: \`${file.replace(/^.*bench\//, 'bench/')}\`.

| graph | nodes | edges | median ms | min | max | median CPU ms | first run ms |
|---|---:|---:|---:|---:|---:|---:|---:|
${samples.map(row).join('\n')}`,
  );
}
