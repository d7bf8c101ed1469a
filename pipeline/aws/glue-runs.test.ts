// The Glue run client against the cloud emulator: moto's Glue API on loopback, with every run
// executed for real by the emulator (the job's script from S3, its output in CloudWatch Logs, its
// outcome from the process). The scripts here are plain Python files: a Glue script is one, and the
// PySpark jobs themselves are tested in glue/ and emulator/tests.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateJobCommand, GetJobRunsCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorAwsForTests } from '../emulator/testing/shared.ts';
import { awsClients, type AwsClients } from './clients.ts';
import { GlueJobMissingError } from './errors.ts';
import type { GlueLogLine } from './glue-logs.ts';
import { GlueRunConcurrencyError, GlueRunFailedError, GlueRunMissingError, GlueRuns, GlueRunWaitTimeoutError, type GlueRunState } from './glue-runs.ts';

const BUCKET = 'glue-runs-test';
let clients: AwsClients;
let n = 0;
const sent: string[] = [];

/** A job whose script is `script`, as deploy would make it. */
async function newJob(script: string): Promise<string> {
  const name = `hfc-glue-runs-${process.pid}-${++n}`;
  await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `scripts/${name}.py`, Body: script }));
  await clients.glue.send(
    new CreateJobCommand({ Name: name, Role: 'arn:aws:iam::123456789012:role/hfc-glue', GlueVersion: '5.0', Command: { Name: 'glueetl', ScriptLocation: `s3://${BUCKET}/scripts/${name}.py`, PythonVersion: '3' } }),
  );
  return name;
}

const PRINT_ARGS = 'import sys, json\nprint(json.dumps(sys.argv[1:]), flush=True)\n';
const SLEEP = (s: number) => `import time\nprint("working", flush=True)\ntime.sleep(${s})\nprint("done", flush=True)\n`;

const runs = (c: AwsClients = clients) => new GlueRuns({ glue: c.glue, logs: c.logs, poll: { firstMs: 50, maxMs: 200 } });

beforeAll(async () => {
  clients = awsClients(await emulatorAwsForTests());
  clients.glue.middlewareStack.add((next, context) => async (args) => (sent.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'recordForTest' });
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(() => clients?.destroy());

describe('GlueRuns', () => {
  it('starts a run with its arguments, returns its id at once, and follows it to SUCCEEDED', async () => {
    const job = await newJob(PRINT_ARGS);
    sent.length = 0;
    const runId = await runs().start(job, { '--batch': '1', '--lake': 's3://x/y/' });
    expect(sent).toEqual(['StartJobRunCommand']); // no polling before the id is returned
    const states: GlueRunState[] = [];
    const lines: GlueLogLine[] = [];
    const result = await runs().wait(job, runId, { onState: (s) => states.push(s), onLog: (l) => lines.push(l) });
    expect(states.at(-1)).toBe('SUCCEEDED');
    expect(result).toMatchObject({ jobName: job, runId, state: 'SUCCEEDED' });
    expect(result.run.Arguments).toMatchObject({ '--batch': '1', '--lake': 's3://x/y/' });
    // the script really ran, with Glue's arguments on its command line
    const printed = JSON.parse(lines.find((l) => l.stream === 'output' && l.message.startsWith('['))!.message) as string[];
    expect(printed).toEqual(expect.arrayContaining(['--batch', '1', '--lake', 's3://x/y/']));
  });

  it('streams the output and error lines as they arrive, each line once, the last ones after the run ends', async () => {
    const job = await newJob(
      'import sys, time\nfor i in range(3):\n    print(f"step {i}", flush=True)\n    time.sleep(0.4)\nprint("a warning", file=sys.stderr, flush=True)\nprint("committed", flush=True)\n',
    );
    const runId = await runs().start(job, {});
    const got: GlueLogLine[] = [];
    let sawWhileRunning = 0;
    const result = await runs().wait(job, runId, { onLog: (l) => got.push(l), onState: (s) => s === 'SUCCEEDED' && (sawWhileRunning = got.length) });
    expect(result.state).toBe('SUCCEEDED');
    const output = got.filter((l) => l.stream === 'output').map((l) => l.message);
    expect(output).toEqual(['step 0', 'step 1', 'step 2', 'committed']);
    expect(got.filter((l) => l.stream === 'error').map((l) => l.message)).toContain('a warning');
    expect(new Set(got.map((l) => `${l.stream}:${l.message}`)).size).toBe(got.length);
    expect(sawWhileRunning).toBeGreaterThan(0); // lines came while it ran, not only at the end
  });

  it('adopts a run another process started: waits for it, and never starts a second one', async () => {
    const job = await newJob(SLEEP(1.5));
    const runId = await runs().start(job, {});
    const other = awsClients(clients.settings); // a new process, with its own clients
    const otherSent: string[] = [];
    other.glue.middlewareStack.add((next, context) => async (args) => (otherSent.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'recordForTest' });
    try {
      const states: GlueRunState[] = [];
      const result = await runs(other).adopt(job, runId, { onState: (s) => states.push(s) });
      expect(result.runId).toBe(runId);
      expect(states).toContain('RUNNING');
      expect(states.at(-1)).toBe('SUCCEEDED');
      expect(otherSent).not.toContain('StartJobRunCommand');
      const all = await clients.glue.send(new GetJobRunsCommand({ JobName: job }));
      expect(all.JobRuns?.map((r) => r.Id)).toEqual([runId]);
    } finally {
      other.destroy();
    }
  });

  it('takes the result of an adopted run that has already ended, with one look', async () => {
    const job = await newJob(PRINT_ARGS);
    const runId = await runs().start(job, {});
    await runs().wait(job, runId);
    sent.length = 0;
    const states: GlueRunState[] = [];
    const result = await runs().adopt(job, runId, { onState: (s) => states.push(s) });
    expect(result.state).toBe('SUCCEEDED');
    expect(states).toEqual(['SUCCEEDED']);
    expect(sent).toEqual(['GetJobRunCommand']);
  });

  it('names a missing job and a missing run, and starts nothing for them', async () => {
    const job = await newJob(PRINT_ARGS);
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

  it('says so when the job is already running, bounds its wait, and stops the run when the caller cancels', async () => {
    const job = await newJob(SLEEP(60));
    const runId = await runs().start(job, {});
    const busy = await runs().start(job, {}).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(GlueRunConcurrencyError);
    expect((busy as GlueRunConcurrencyError).retryable).toBe(true);
    expect((busy as GlueRunConcurrencyError).hint).toMatch(/--resume/);

    const late = await runs().wait(job, runId, { maxWaitMs: 300 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(GlueRunWaitTimeoutError);
    expect((late as Error).message).toContain(runId);
    expect((late as GlueRunWaitTimeoutError).hint).toMatch(/--resume adopts it/);

    const cancel = new AbortController();
    sent.length = 0;
    const reason = new Error('cancelled by the user');
    const err = await runs()
      .wait(job, runId, { signal: cancel.signal, onState: (s) => s === 'RUNNING' && setTimeout(() => cancel.abort(reason), 50) })
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(sent).toContain('BatchStopJobRunCommand');
    // the run really stopped: its process is gone and Glue says so
    const after = await runs().adopt(job, runId).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(GlueRunFailedError);
    expect((after as GlueRunFailedError).state).toBe('STOPPED');
  });
});

describe('a run that fails', () => {
  it('is a typed error with the run ErrorMessage and the last lines of its error log', async () => {
    const job = await newJob('import sys\nprint("starting", flush=True)\nprint("checking the contract", file=sys.stderr, flush=True)\nraise ValueError("bad contract")\n');
    const runId = await runs().start(job, {});
    const err = await runs().wait(job, runId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GlueRunFailedError);
    const failed = err as GlueRunFailedError;
    expect(failed.state).toBe('FAILED');
    expect(failed.errorMessage).toContain('ValueError: bad contract');
    expect(failed.logTail.join('\n')).toContain('ValueError: bad contract');
    expect(failed.logTail.join('\n')).toContain('Traceback');
    expect(failed.message).toContain(`${job} run ${runId} ended FAILED`);
    expect(failed.retryable).toBe(false);
    expect(failed.hint).toContain(`/aws-glue/jobs/error and /aws-glue/jobs/output, stream ${runId}`);
  });
});
