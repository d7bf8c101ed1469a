// The Glue run client against a real Glue API peer: moto's server on loopback. Moto is the
// control plane only: it never executes a job script, so here its state manager stands in for
// the job (STARTING -> RUNNING -> SUCCEEDED as the run is polled, or held until the test lets it
// end), and the run's log lines are put into moto's CloudWatch Logs by the test, as Glue would
// write them. The cloud emulator (another module) executes the real job scripts on PySpark and
// reports their real outcomes through these same calls; nothing here takes moto's SUCCEEDED for
// the outcome of a job.
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateJobCommand, GetJobRunsCommand, type JobRun } from '@aws-sdk/client-glue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, type AwsClients } from './clients.ts';
import { GlueJobMissingError } from './errors.ts';
import { GLUE_LOG_GROUPS, GlueRunLogs, type GlueLogLine } from './glue-logs.ts';
import {
  GlueRunConcurrencyError,
  GlueRunFailedError,
  GlueRunMissingError,
  GlueRuns,
  GlueRunStopFailedError,
  GlueRunWaitTimeoutError,
  runOutcome,
  type GlueRunState,
} from './glue-runs.ts';
import { motoAwsSettings, setMotoTransition } from '../testing/moto-server.ts';

let clients: AwsClients;
let n = 0;
const sent: string[] = [];

async function newJob(): Promise<string> {
  const name = `hfc-cleanse-test-${process.pid}-${++n}`;
  await clients.glue.send(
    new CreateJobCommand({ Name: name, Role: 'arn:aws:iam::123456789012:role/hfc-glue', GlueVersion: '5.0', Command: { Name: 'glueetl', ScriptLocation: 's3://hfc-deploy/jobs/cleanse_job.py' } }),
  );
  return name;
}

const runs = (c: AwsClients = clients) => new GlueRuns({ glue: c.glue, logs: c.logs, poll: { firstMs: 10, maxMs: 40 } });

async function putLogLines(group: string, stream: string, lines: string[]): Promise<void> {
  await clients.logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e: Error) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  await clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch((e: Error) => {
    if (e.name !== 'ResourceAlreadyExistsException') throw e;
  });
  const t = Date.now();
  await clients.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: lines.map((message, i) => ({ timestamp: t + i, message })) }));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  clients = awsClients(await motoAwsSettings());
  clients.glue.middlewareStack.add((next, context) => async (args) => (sent.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'recordForTest' });
});

afterEach(async () => {
  await setMotoTransition('glue::job_run', { progression: 'immediate' });
});

afterAll(() => clients?.destroy());

describe('GlueRuns', () => {
  it('starts a run with its arguments, returns its id at once, and follows it STARTING -> RUNNING -> SUCCEEDED', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 2 });
    sent.length = 0;
    const runId = await runs().start(job, { '--batch': '1', '--txn': 't-1' });
    expect(runId).toMatch(/^jr_/);
    expect(sent).toEqual(['StartJobRunCommand']); // no polling before the id is returned
    const states: GlueRunState[] = [];
    const result = await runs().wait(job, runId, { onState: (s) => states.push(s) });
    expect(states).toEqual(['STARTING', 'RUNNING', 'SUCCEEDED']);
    expect(result).toMatchObject({ jobName: job, runId, state: 'SUCCEEDED' });
    expect(result.run.Arguments).toMatchObject({ '--batch': '1', '--txn': 't-1' });
    // moto moves a state on at every second look: four looks, and none after the run ended
    expect(sent.filter((c) => c === 'GetJobRunCommand').length).toBe(4);
  });

  it('streams the run log lines of both groups as they arrive, each line once, the last ones after the run ends', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 1_000_000 }); // held in STARTING
    const runId = await runs().start(job, { '--batch': '2' });
    const got: GlueLogLine[] = [];
    const waiting = runs().wait(job, runId, { onLog: (l) => got.push(l) });
    await putLogLines(GLUE_LOG_GROUPS.output, runId, ['reading raw/csv/claims/batch=2', 'claims: 100 rows']);
    await until(() => got.length === 2, 'the first output lines');
    await putLogLines(GLUE_LOG_GROUPS.error, runId, ['WARN a spark warning']);
    await putLogLines(GLUE_LOG_GROUPS.output, runId, ['members: 10 rows']);
    await until(() => got.length === 4, 'the next lines');
    await putLogLines(GLUE_LOG_GROUPS.output, runId, ['committed txn']);
    await setMotoTransition('glue::job_run', { progression: 'immediate' }); // the run ends
    const result = await waiting;
    expect(result.state).toBe('SUCCEEDED');
    expect(got.map((l) => `${l.stream}: ${l.message}`)).toEqual([
      'output: reading raw/csv/claims/batch=2',
      'output: claims: 100 rows',
      // one poll reads output before error: lines that arrived together come grouped so
      expect.stringMatching(/^(output: members: 10 rows|error: WARN a spark warning)$/),
      expect.stringMatching(/^(output: members: 10 rows|error: WARN a spark warning)$/),
      'output: committed txn',
    ]);
    expect(new Set(got.map((l) => l.message)).size).toBe(5);
  });

  it('adopts a run another process started: waits for it, and never starts a second one', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 3 });
    const runId = await runs().start(job, { '--batch': '3' });
    const other = awsClients(await motoAwsSettings()); // a new process, with its own clients
    const otherSent: string[] = [];
    other.glue.middlewareStack.add((next, context) => async (args) => (otherSent.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'recordForTest' });
    try {
      const states: GlueRunState[] = [];
      const result = await runs(other).adopt(job, runId, { onState: (s) => states.push(s) });
      expect(result.runId).toBe(runId);
      expect(states).toEqual(['STARTING', 'RUNNING', 'SUCCEEDED']);
      expect(otherSent).not.toContain('StartJobRunCommand');
      const all = await clients.glue.send(new GetJobRunsCommand({ JobName: job }));
      expect(all.JobRuns?.map((r) => r.Id)).toEqual([runId]);
    } finally {
      other.destroy();
    }
  });

  it('takes the result of an adopted run that has already ended, with one look', async () => {
    const job = await newJob();
    const runId = await runs().start(job, {});
    sent.length = 0;
    const states: GlueRunState[] = [];
    const result = await runs().adopt(job, runId, { onState: (s) => states.push(s) });
    expect(result.state).toBe('SUCCEEDED');
    expect(states).toEqual(['SUCCEEDED']);
    expect(sent).toEqual(['GetJobRunCommand']);
  });

  it('names a missing job and a missing run, and starts nothing for them', async () => {
    const job = await newJob();
    const missingJob = await runs().start('hfc-no-such-job', {}).catch((e: unknown) => e);
    expect(missingJob).toBeInstanceOf(GlueJobMissingError);
    expect((missingJob as GlueJobMissingError).message).toContain('hfc-no-such-job');
    expect((missingJob as GlueJobMissingError).hint).toMatch(/claims deploy/);
    await expect(runs().adopt('hfc-no-such-job', 'jr_0123', {})).rejects.toBeInstanceOf(GlueJobMissingError);
    const missingRun = await runs().adopt(job, 'jr_not_a_run', {}).catch((e: unknown) => e);
    expect(missingRun).toBeInstanceOf(GlueRunMissingError);
    expect((missingRun as Error).message).toContain('jr_not_a_run');
    const all = await clients.glue.send(new GetJobRunsCommand({ JobName: job }));
    expect(all.JobRuns ?? []).toEqual([]);
  });

  it('says so when the job is already running', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 1_000_000 });
    await runs().start(job, {});
    const err = await runs().start(job, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GlueRunConcurrencyError);
    expect((err as GlueRunConcurrencyError).retryable).toBe(true);
    expect((err as GlueRunConcurrencyError).hint).toMatch(/--resume/);
  });

  it('bounds its wait, and says the run goes on', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 1_000_000 });
    const runId = await runs().start(job, {});
    const err = await runs().wait(job, runId, { maxWaitMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GlueRunWaitTimeoutError);
    expect((err as Error).message).toContain(runId);
    expect((err as GlueRunWaitTimeoutError).hint).toMatch(/--resume adopts it/);
  });

  it('stops the run when the caller cancels (moto 5.2.5 has no BatchStopJobRun: the failure to stop is reported)', async () => {
    const job = await newJob();
    await setMotoTransition('glue::job_run', { progression: 'manual', times: 1_000_000 });
    const runId = await runs().start(job, {});
    const cancel = new AbortController();
    sent.length = 0;
    const err = await runs()
      .wait(job, runId, { signal: cancel.signal, onState: () => setTimeout(() => cancel.abort(new Error('cancelled by the user')), 30) })
      .catch((e: unknown) => e);
    expect(sent).toContain('BatchStopJobRunCommand');
    // moto answers HTTP 500 (not implemented); the cloud emulator adds the route, AWS has it
    expect(err).toBeInstanceOf(GlueRunStopFailedError);
    expect((err as Error).message).toContain(runId);
    expect((err as GlueRunStopFailedError).hint).toContain(`aws glue batch-stop-job-run --job-name ${job} --job-run-ids ${runId}`);
  });
});

describe('a run that fails', () => {
  // moto's control plane cannot end a run FAILED (its state machine only reaches SUCCEEDED); the
  // emulator's real job executions do. Here the decision is taken on a FAILED run record as
  // GetJobRun returns it, with the error log tail read from moto's CloudWatch Logs.
  it('is a typed error with the run ErrorMessage and the last lines of its error log', async () => {
    const runId = `jr_failed_${process.pid}_${++n}`;
    await putLogLines(GLUE_LOG_GROUPS.error, runId, ['INFO starting', 'ERROR line 1', 'Traceback (most recent call last):\n  File "cleanse_job.py", line 9', 'ValueError: bad contract']);
    const logs = new GlueRunLogs(clients.logs, runId, { tailLines: 3 });
    await logs.poll(() => undefined);
    const run: JobRun = { Id: runId, JobName: 'hfc-cleanse', JobRunState: 'FAILED', ErrorMessage: 'ValueError: bad contract' };
    const err = (() => {
      try {
        runOutcome('hfc-cleanse', run, logs.errorTail());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(GlueRunFailedError);
    const failed = err as GlueRunFailedError;
    expect(failed.state).toBe('FAILED');
    expect(failed.errorMessage).toBe('ValueError: bad contract');
    expect(failed.logTail).toEqual(['Traceback (most recent call last):', '  File "cleanse_job.py", line 9', 'ValueError: bad contract']);
    expect(failed.message).toContain(`hfc-cleanse run ${runId} ended FAILED: ValueError: bad contract`);
    expect(failed.retryable).toBe(false);
    expect(failed.hint).toContain(`/aws-glue/jobs/error and /aws-glue/jobs/output, stream ${runId}`);
    expect(() => runOutcome('hfc-cleanse', { ...run, JobRunState: 'ERROR' }, [])).toThrow(expect.objectContaining({ retryable: true }));
    expect(runOutcome('hfc-cleanse', { ...run, JobRunState: 'SUCCEEDED' }, []).state).toBe('SUCCEEDED');
  });
});
