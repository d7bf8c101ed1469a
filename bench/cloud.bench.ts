// The default world (20k claims) generate -> verify on the cloud emulator (S3 and Glue's API on moto,
// the Glue jobs executed on local PySpark, Snowflake on fakesnow), stage by stage, beside the local
// profile on the same machine. For the Glue stages it splits the stage's time into the job run
// itself (StartedOn -> CompletedOn, Spark's start-up included) and ours around it.
import { GetJobRunCommand } from '@aws-sdk/client-glue';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { awsClients } from '../pipeline/aws/clients.ts';
import { emulatorStatus, stopEmulator } from '../pipeline/emulator/index.ts';
import type { RunRecord } from '../pipeline/orchestrator/types.ts';
import { fmt, machine, measure, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OUT = process.env.BENCH_DIR ?? '/tmp/claims-bench';
const STAGES = ['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify'] as const;

const claimsCli = (args: string[]) => measure(process.execPath, ['bin/claims.mjs', ...args]);
const results: Record<string, unknown> = { machine: machine(), runs: RUNS };

interface Sample {
  wall: number;
  stages: Record<string, number>;
  glueRun: Record<string, number>;
}

async function glueRunSeconds(ws: string, record: RunRecord): Promise<Record<string, number>> {
  const status = await emulatorStatus(ws);
  if (!status.running) throw new Error('the emulator stopped during the run');
  const { s3, glue, logs } = status.info.endpoints;
  const clients = awsClients({ region: 'us-east-1', endpoints: { s3, glue, logs }, emulatorCredentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' } });
  try {
    const out: Record<string, number> = {};
    for (const s of record.stages) {
      const cp = s.checkpoint as { glueRunId?: string; jobName?: string } | undefined;
      if (!cp?.glueRunId || !cp.jobName) continue;
      const run = (await clients.glue.send(new GetJobRunCommand({ JobName: cp.jobName, RunId: cp.glueRunId }))).JobRun;
      if (run?.StartedOn && run.CompletedOn) out[s.name] = (run.CompletedOn.getTime() - run.StartedOn.getTime()) / 1000;
    }
    return out;
  } finally {
    clients.destroy();
  }
}

async function sample(profile: 'local' | 'cloud-emulator', i: number): Promise<Sample> {
  const ws = join(OUT, `ws-cloud-${profile}-${i}`);
  await rm(ws, { recursive: true, force: true });
  await mkdir(ws, { recursive: true });
  if (profile === 'cloud-emulator') {
    // the emulator's own start-up is not the pipeline's: start it first, as `claims emulator start` would
    await claimsCli(['emulator', 'start', '--workspace', ws, '--json']);
  }
  try {
    const m = await claimsCli(['run', '--workspace', ws, '--profile', profile, '--json']);
    const s = JSON.parse(m.output) as { run_id: string; status: string; error?: string; stages: Array<{ name: string; seconds: number | null }> };
    if (s.status !== 'succeeded') throw new Error(`${profile} run failed: ${s.error}`);
    const record = JSON.parse(await readFile(join(ws, 'runs', s.run_id, 'run.json'), 'utf8')) as RunRecord;
    return {
      wall: m.seconds,
      stages: Object.fromEntries(s.stages.map((st) => [st.name, st.seconds ?? 0])),
      glueRun: profile === 'cloud-emulator' ? await glueRunSeconds(ws, record) : {},
    };
  } finally {
    if (profile === 'cloud-emulator') await stopEmulator(ws);
    await rm(ws, { recursive: true, force: true });
  }
}

const samples: Record<string, Sample[]> = { local: [], 'cloud-emulator': [] };
for (let i = 0; i < RUNS; i++) {
  samples.local!.push(await sample('local', i));
  samples['cloud-emulator']!.push(await sample('cloud-emulator', i));
}

const med = (xs: Sample[], pick: (s: Sample) => number | undefined) => median(xs.map(pick).filter((x): x is number => typeof x === 'number'));
const rows = STAGES.map((stage) => {
  const local = med(samples.local!, (s) => s.stages[stage]);
  const cloud = med(samples['cloud-emulator']!, (s) => s.stages[stage]);
  const job = med(samples['cloud-emulator']!, (s) => s.glueRun[stage]);
  const ours = Number.isFinite(job) ? med(samples['cloud-emulator']!, (s) => (s.glueRun[stage] === undefined ? undefined : (s.stages[stage] ?? 0) - s.glueRun[stage]!)) : NaN;
  return `| ${stage} | ${fmt(local)} s | ${fmt(cloud)} s | ${Number.isFinite(job) ? `${fmt(job)} s` : ''} | ${Number.isFinite(ours) ? `${fmt(ours)} s` : ''} |`;
});
const wallLocal = med(samples.local!, (s) => s.wall);
const wallCloud = med(samples['cloud-emulator']!, (s) => s.wall);
results.samples = samples;
const file = await saveResult('cloud', results);
const m = results.machine as Record<string, unknown>;
const md = `### The cloud emulator beside the local profile (\`npm run bench:cloud\`)

The default world (20k claims, batch 1), generate → verify, on a fresh workspace each time; the
emulator started before the timed run. Median of ${RUNS} runs on ${m.cpu} (${m.cores} cores,
${m.memory_gb} GB), load average at the start ${m.loadavg_at_start}, ${new Date().toISOString().slice(0, 10)}.
Raw results: \`${file.slice(ROOT.length + 1)}\`.

| stage | local | cloud-emulator | of it, the Glue job run | of it, ours around the run |
|---|---|---|---|---|
${rows.join('\n')}
| **whole run (process wall)** | **${fmt(wallLocal)} s** | **${fmt(wallCloud)} s** (goal ≤ 90 s) | | |`;
await writeDocSection('cloud', md);
console.log(md);
