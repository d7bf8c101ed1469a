// The whole pipeline on a profile of kind aws against the test run's cloud emulator: S3 (moto),
// the Glue jobs executed for real on local PySpark by the emulator's StartJobRun, Snowflake
// (fakesnow) for the load, dbt and verify. Only the endpoints differ from a real account. Each test
// has its own bucket, Glue jobs and Snowflake database on the one shared emulator.
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetJobRunCommand, GetJobRunsCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClients, type AwsClients } from '../aws/clients.ts';
import { emulatorAwsForTests, sharedEmulator } from '../emulator/testing/shared.ts';
import { zones } from '../lake/types.ts';
import type { RunEvent } from '../orchestrator/types.ts';
import { loadRun } from '../orchestrator/store.ts';
import { loadProfile } from '../profiles/load.ts';
import { processesNaming } from '../testing/processes.ts';
import { tempDir } from '../testing/tmp.ts';
import { workspacePaths } from '../workspace.ts';
import { readSide } from './environment.ts';
import { startPipelineRun } from './index.ts';
import { LakeBusyError } from './lake-lock.ts';

const REPO = join(import.meta.dirname, '..', '..');
// a secret the runs use, looked for afterwards in every file they wrote
const SECRET = `emulator-secret-${process.pid}-${Date.now()}`;
const WORLD = 'generate: { seed: 11, members: 300, providers: 60, claims: 2500, dirty_rate: 0.02, rows_per_file: 1000 }';
const TWENTY_MINUTES = 1_200_000;

const cleanups: Array<() => Promise<void>> = [];
let clients: AwsClients;

beforeAll(async () => {
  await sharedEmulator();
  clients = awsClients(await emulatorAwsForTests());
  // every workspace's emulator profile uses the test run's one emulator
  process.env.CLAIMS_EMULATOR_WORKSPACE = inject('claimsEmulatorWorkspace');
  process.env.CLAIMS_EMULATOR_PASSWORD = SECRET;
}, 120_000);

afterAll(async () => {
  clients?.destroy();
  for (const c of cleanups) await c();
});

/** A profile of kind aws on the emulator with its own bucket, jobs and database. */
function cloudProfile(name: string, extra = ''): string {
  const id = `${name}-${process.pid}`;
  return `  ${name}:
    kind: aws
    emulator: true
    auto_deploy: true
    ${WORLD}
    retry: { max_attempts: 1, base_delay_ms: 0 }
    aws: { bucket: t-${id}, region: us-east-1 }
    glue: { role_arn: 'arn:aws:iam::123456789012:role/claims-glue', jobs: { cleanse: ${id}-cleanse, load: ${id}-load } }
    snowflake: { account: emulator, user: CLAIMS, database: T_${id.replace(/-/g, '_').toUpperCase()}, auth: { method: password, password_env: CLAIMS_EMULATOR_PASSWORD }, load_route: internal_stage }
${extra}`;
}

async function workspace(profiles: string): Promise<string> {
  const { dir, cleanup } = await tempDir('cloud-ws-');
  cleanups.push(cleanup);
  await writeFile(join(dir, 'profiles.yaml'), `profiles:\n${profiles}`);
  return dir;
}

/** Figures a stakeholder reads off the marts, to the cent, through the profile's own warehouse reader. */
async function kpis(ws: string, profileName: string) {
  const paths = workspacePaths(ws);
  const side = await readSide(paths, await loadProfile(paths.profiles, profileName), '512MB');
  try {
    const q = (sql: string) => side.warehouse.queryObjects(sql);
    const cents = (v: unknown) => Math.round(Number(v) * 100);
    const byStatus = await q('SELECT claim_status, count(*) AS claims, sum(billed_amount) AS billed, sum(allowed_amount) AS allowed, sum(paid_amount) AS paid FROM marts.fct_claims GROUP BY claim_status ORDER BY claim_status');
    const [mm] = await q('SELECT sum(member_months) AS member_months, count(*) AS plan_months FROM marts.mart_pmpm_monthly');
    const [versions] = await q('SELECT count(*) AS versions, count(DISTINCT member_id) AS members FROM marts.dim_members');
    return {
      byStatus: byStatus.map((r) => ({ status: r.claim_status, claims: Number(r.claims), billed: cents(r.billed), allowed: cents(r.allowed), paid: cents(r.paid) })),
      memberMonths: Number(mm?.member_months),
      planMonths: Number(mm?.plan_months),
      memberVersions: Number(versions?.versions),
      members: Number(versions?.members),
    };
  } finally {
    await side.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('the pipeline on the cloud emulator', () => {
  it(
    'runs batch 1 and 2 from generate to verify, equal to the local profile to the cent; reruns are no-ops, --force replaces',
    async () => {
      const ws = await workspace(`${cloudProfile('cloud')}  here:\n    ${WORLD}\n    retry: { max_attempts: 1, base_delay_ms: 0 }\n`);
      const first = await startPipelineRun({ workspace: ws, profile: 'cloud', batch: 1 });
      expect(first.summary.status, first.summary.error).toBe('succeeded');
      expect(first.summary.warehouse).toMatch(/emulator/);
      const local = await startPipelineRun({ workspace: ws, profile: 'here', batch: 1 });
      expect(local.summary.status, local.summary.error).toBe('succeeded');
      // the same rows in every zone, the same quarantine by reason, a balanced reconciliation
      expect(first.summary.rows).toEqual(local.summary.rows);
      expect(first.summary.quarantine).toEqual(local.summary.quarantine);
      expect(first.summary.reconciliation).toEqual(local.summary.reconciliation);
      expect(first.summary.rows.warehouse?.claims).toBeGreaterThan(2000);

      const second = await startPipelineRun({ workspace: ws, profile: 'cloud', batch: 2 });
      expect(second.summary.status, second.summary.error).toBe('succeeded');
      // Glue job 2's statements, each with the query id Snowflake gave it, BEGIN to COMMIT
      const statements = second.record.stages.find((s) => s.name === 'load')?.result?.outputs?.queries as Array<{ name: string; query_id: string; console?: unknown }>;
      expect(statements.map((q) => q.name)).toEqual(expect.arrayContaining(['BEGIN', 'COMMIT', expect.stringMatching(/^COPY INTO \S+\.RAW\.CLAIMS FROM @/)]));
      expect(new Set(statements.map((q) => q.query_id)).size).toBe(statements.length);
      expect(statements[0]!.console).toEqual({ emulated: true });
      await startPipelineRun({ workspace: ws, profile: 'here', batch: 2 });
      const [cloudKpis, localKpis] = [await kpis(ws, 'cloud'), await kpis(ws, 'here')];
      expect(cloudKpis.byStatus.length).toBeGreaterThan(1);
      expect(cloudKpis.memberVersions).toBeGreaterThan(cloudKpis.members); // batch 2 changed members: SCD2 versions
      expect(cloudKpis).toEqual(localKpis);

      const loadRuns = async () => (await clients.glue.send(new GetJobRunsCommand({ JobName: `cloud-${process.pid}-load` }))).JobRuns?.length ?? 0;
      const loadRunsBefore = await loadRuns();
      const again = await startPipelineRun({ workspace: ws, profile: 'cloud', batch: 2, stages: ['ingest', 'cleanse', 'load'] });
      expect(again.summary.stages.filter((s) => s.status !== 'skipped').map((s) => [s.name, s.status, s.noop ?? false])).toEqual([
        ['ingest', 'succeeded', true],
        ['cleanse', 'succeeded', true],
        ['load', 'succeeded', true],
      ]);
      // the audit answered "already loaded": Glue job 2 was not started for it
      expect(await loadRuns()).toBe(loadRunsBefore);

      // forced: the load replaces batch 2's rows in Snowflake (one transaction), and it still reconciles
      const forced = await startPipelineRun({ workspace: ws, profile: 'cloud', batch: 2, force: true, stages: ['load', 'verify'] });
      expect(forced.summary.status, forced.summary.error).toBe('succeeded');
      expect(forced.summary.stages.filter((s) => s.status !== 'skipped').map((s) => [s.name, s.noop ?? false])).toEqual([
        ['load', false],
        ['verify', false],
      ]);
      expect(forced.summary.rows.warehouse).toEqual(second.summary.rows.warehouse);
      expect(forced.summary.reconciliation).toEqual(second.summary.reconciliation);

      // the secret the runs logged in with is in no file of the workspace
      for (const file of await filesUnder(ws)) expect((await readFile(file)).includes(SECRET), file).toBe(false);
    },
    TWENTY_MINUTES,
  );

  it(
    'adopts the Glue run of a pipeline killed while it ran: nothing half-visible, --resume completes without a second run',
    async () => {
      const ws = await workspace(cloudProfile('killed'));
      const prep = await startPipelineRun({ workspace: ws, profile: 'killed', batch: 1, stages: ['generate', 'ingest'] });
      expect(prep.summary.status).toBe('succeeded');
      const child = spawn(process.execPath, [join(REPO, 'bin', 'claims.mjs'), 'run', '--workspace', ws, '--profile', 'killed', '--batch', '1', '--stages', 'cleanse', '--json'], { stdio: 'ignore', env: process.env });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // wait (bounded) until the cleanse stage has recorded the Glue run it started
      let runId: string | undefined;
      let glueRunId: string | undefined;
      for (let i = 0; i < 240 && !glueRunId; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const runs = await readdir(join(ws, 'runs')).catch(() => [] as string[]);
        for (const id of runs.filter((r) => r !== prep.record.runId)) {
          const rec = await loadRun(ws, id).catch(() => null);
          const checkpoint = rec?.stages.find((s) => s.name === 'cleanse')?.checkpoint;
          if (typeof checkpoint?.glueRunId === 'string') [runId, glueRunId] = [id, checkpoint.glueRunId];
        }
      }
      expect(glueRunId, 'the cleanse stage recorded its Glue run').toBeDefined();
      child.kill('SIGKILL');
      await exited;
      const lake = (await readSide(workspacePaths(ws), await loadProfile(workspacePaths(ws).profiles, 'killed'), '256MB'));
      try {
        // a reader sees either no curated batch or the whole of it: the manifest is written last
        const text = await lake.lake.getText(zones.curatedManifest(1)).catch(() => null);
        if (text) expect(JSON.parse(text).datasets.claims.curated_rows).toBeGreaterThan(0);
      } finally {
        await lake.close();
      }

      const resumed = await startPipelineRun({ workspace: ws, profile: 'killed', resumeRunId: runId });
      expect(resumed.summary.status, resumed.summary.error).toBe('succeeded');
      const cleanse = resumed.record.stages.find((s) => s.name === 'cleanse');
      expect(cleanse?.checkpoint?.glueRunId).toBe(glueRunId);
      const jobRuns = await clients.glue.send(new GetJobRunsCommand({ JobName: `killed-${process.pid}-cleanse` }));
      expect(jobRuns.JobRuns?.map((r) => r.Id)).toEqual([glueRunId]);
      expect(resumed.summary.rows.curated?.claims).toBeGreaterThan(2000);
    },
    TWENTY_MINUTES,
  );

  it(
    'cancelled during its Glue run, the cleanse stage stops the run (STOPPED on Glue, its Spark process gone) and reports each state; the resumed run completes with the local counts',
    async () => {
      const ws = await workspace(`${cloudProfile('cancel')}  here:\n    ${WORLD}\n    retry: { max_attempts: 1, base_delay_ms: 0 }\n`);
      const stages = ['generate', 'ingest', 'cleanse'] as const;
      const events: RunEvent[] = [];
      const cancel = new AbortController();
      // cancelled as the app's Cancel does (RunManager aborts the run's signal), once the job writes its log
      const first = await startPipelineRun({ workspace: ws, profile: 'cancel', batch: 1, stages: [...stages] }, {
        signal: cancel.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'stage.log' && typeof e.fields?.stream === 'string' && e.fields.glue_run_id) cancel.abort(new Error('cancelled from the app'));
        },
      });
      expect(first.record.status).toBe('cancelled');
      const cleanse = first.record.stages.find((s) => s.name === 'cleanse')!;
      expect(cleanse.status).toBe('cancelled');
      const glueRunId = cleanse.checkpoint?.glueRunId as string;
      expect(glueRunId).toMatch(/^jr_/);

      // the state changes, in order, each once, the last one STOPPED, reported before the stage ended
      const cleanseEvents = events.filter((e) => 'stage' in e && e.stage === 'cleanse');
      const states = cleanseEvents.flatMap((e) => (e.type === 'stage.log' && e.fields?.glue_run_id === glueRunId && typeof e.fields.state === 'string' ? [e.fields.state] : []));
      const ORDER = ['STARTING', 'RUNNING', 'STOPPING', 'STOPPED'];
      expect(states.at(-1)).toBe('STOPPED');
      expect(states.map((s) => ORDER.indexOf(s))).toEqual([...new Set(states.map((s) => ORDER.indexOf(s)))].sort((a, b) => a - b));
      const stateEvent = cleanseEvents.find((e) => e.type === 'stage.log' && e.fields?.state === 'STOPPED') as Extract<RunEvent, { type: 'stage.log' }>;
      expect(stateEvent.fields).toMatchObject({ job_name: `cancel-${process.pid}-cleanse`, console: { emulated: true } });
      expect(typeof stateEvent.fields?.execution_seconds).toBe('number');
      expect(cleanseEvents.findIndex((e) => e === stateEvent)).toBeLessThan(cleanseEvents.findIndex((e) => e.type === 'stage.cancelled'));
      // the stage said where it reads and writes
      const prefixes = cleanseEvents.find((e) => e.type === 'stage.log' && Array.isArray(e.fields?.lake)) as Extract<RunEvent, { type: 'stage.log' }>;
      expect(prefixes.fields?.lake).toEqual([
        { uri: `s3://t-cancel-${process.pid}/raw/csv/`, access: 'reads', console: { emulated: true } },
        { uri: `s3://t-cancel-${process.pid}/processed/parquet/`, access: 'writes', console: { emulated: true } },
        { uri: `s3://t-cancel-${process.pid}/quarantine/`, access: 'writes', console: { emulated: true } },
      ]);

      // Glue itself says STOPPED, and no process of that run is left (the emulator runs it in a
      // process group whose environment names the run's work folder; /proc is Linux's)
      const run = await clients.glue.send(new GetJobRunCommand({ JobName: `cancel-${process.pid}-cleanse`, RunId: glueRunId }));
      expect(run.JobRun?.JobRunState).toBe('STOPPED');
      expect(await processesNaming(glueRunId)).toEqual([]);

      // resumed: the stopped run is not adopted, a new one completes, with the counts of the local engine
      const resumed = await startPipelineRun({ workspace: ws, profile: 'cancel', resumeRunId: first.record.runId });
      expect(resumed.summary.status, resumed.summary.error).toBe('succeeded');
      const newRunId = resumed.record.stages.find((s) => s.name === 'cleanse')?.checkpoint?.glueRunId;
      expect(newRunId).toMatch(/^jr_/);
      expect(newRunId).not.toBe(glueRunId);
      const local = await startPipelineRun({ workspace: ws, profile: 'here', batch: 1, stages: [...stages] });
      expect(local.summary.status, local.summary.error).toBe('succeeded');
      expect(resumed.summary.rows.curated).toEqual(local.summary.rows.curated);
      expect(resumed.summary.quarantine).toEqual(local.summary.quarantine);
    },
    TWENTY_MINUTES,
  );

  it(
    'lets one of two workspaces write a profile\'s lake at a time: the other is refused by the lake lock, naming the holder',
    async () => {
      const profile = cloudProfile('shared');
      const [a, b] = [await workspace(profile), await workspace(profile)];
      // the lock covers the whole run, the local generate included: landing is enough to collide
      const stages = ['generate', 'ingest'] as const;
      const results = await Promise.allSettled([startPipelineRun({ workspace: a, profile: 'shared', batch: 1, stages: [...stages] }), startPipelineRun({ workspace: b, profile: 'shared', batch: 1, stages: [...stages] })]);
      const refused = results.filter((r) => r.status === 'rejected');
      const done = results.filter((r) => r.status === 'fulfilled');
      expect(refused).toHaveLength(1);
      expect(done).toHaveLength(1);
      const err = (refused[0] as PromiseRejectedResult).reason as LakeBusyError;
      expect(err).toBeInstanceOf(LakeBusyError);
      expect(err.message).toMatch(/The lake is busy: claims run batch 1/);
      expect((done[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startPipelineRun>>>).value.summary.status).toBe('succeeded');
    },
    TWENTY_MINUTES,
  );
});
