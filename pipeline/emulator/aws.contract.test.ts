// Contract tests of the AWS SDK v3 calls the cloud profile makes, against the emulator (moto on
// loopback, with Glue runs executed for real): the same clients and calls as against AWS, only the
// endpoint differs. The Glue scripts are plain Python files (a Glue script is one); the PySpark path
// is covered in emulator/tests/test_glue_spark.py.

import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchStopJobRunCommand, CreateJobCommand, DeleteJobCommand, GetJobCommand, GetJobRunCommand, GetJobRunsCommand, GlueClient, StartJobRunCommand, UpdateJobCommand, type JobRun } from '@aws-sdk/client-glue';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorInfo } from './record.ts';
import { awsClientConfig, sharedEmulator } from './testing/shared.ts';

const BUCKET = 'contract-lake';
let emulator: EmulatorInfo;
let s3: S3Client;
let glue: GlueClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  emulator = await sharedEmulator();
  s3 = new S3Client(awsClientConfig(emulator, 's3'));
  glue = new GlueClient(awsClientConfig(emulator, 'glue'));
  logs = new CloudWatchLogsClient(awsClientConfig(emulator, 'logs'));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const body = async (key: string) => new Uint8Array(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
const errorName = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.name);

describe('S3', () => {
  it('puts, heads, gets, lists by prefix and delimiter, copies and deletes', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/csv/claims/batch=1/part-0.csv', Body: 'claim_id\nC1\n', Metadata: { sha256: 'abc123' }, ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/csv/members/batch=1/part-0.csv', Body: 'member_id\nM1\n' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'raw/csv/claims/batch=1/part-0.csv' }));
    expect(head.Metadata).toEqual({ sha256: 'abc123' });
    expect(head.ContentLength).toBe(12);
    expect(new TextDecoder().decode(await body('raw/csv/claims/batch=1/part-0.csv'))).toBe('claim_id\nC1\n');

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'raw/csv/', Delimiter: '/' }));
    expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['raw/csv/claims/', 'raw/csv/members/']);

    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/part-0.csv', CopySource: `${BUCKET}/raw/csv/claims/batch=1/part-0.csv` }));
    expect(new TextDecoder().decode(await body('copy/part-0.csv'))).toBe('claim_id\nC1\n');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copy/part-0.csv' }));
    expect(await errorName(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy/part-0.csv' })))).toBe('NoSuchKey');
  });

  it('uploads in checksummed parts and reads the same bytes back', async () => {
    const data = randomBytes(12 * 1024 * 1024);
    const upload = new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'big/file.bin', Body: data, ChecksumAlgorithm: 'SHA256' }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    await upload.done();
    expect(sha256(await body('big/file.bin'))).toBe(sha256(data));
  });

  it('refuses a conditional write over an existing key (the lake lock)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_locks/run.json', Body: '{"holder":"a"}', IfNoneMatch: '*' }));
    expect(await errorName(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_locks/run.json', Body: '{"holder":"b"}', IfNoneMatch: '*' })))).toBe('PreconditionFailed');
    expect(new TextDecoder().decode(await body('_locks/run.json'))).toBe('{"holder":"a"}');
  });
});

describe('Glue job runs execute the job script', () => {
  let n = 0;
  async function deploy(script: string, job: Partial<ConstructorParameters<typeof CreateJobCommand>[0]> = {}): Promise<string> {
    const name = `contract-job-${++n}-${Date.now()}`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `scripts/${name}.py`, Body: script }));
    await glue.send(new CreateJobCommand({ Name: name, Role: 'arn:aws:iam::123456789012:role/glue', Command: { Name: 'glueetl', ScriptLocation: `s3://${BUCKET}/scripts/${name}.py`, PythonVersion: '3' }, GlueVersion: '5.0', ...job }));
    return name;
  }
  async function waitFor(name: string, runId: string, states = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'], timeoutMs = 60_000): Promise<{ run: JobRun; seen: string[] }> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { JobRun: run } = await glue.send(new GetJobRunCommand({ JobName: name, RunId: runId }));
      if (run?.JobRunState && seen.at(-1) !== run.JobRunState) seen.push(run.JobRunState);
      if (run?.JobRunState && states.includes(run.JobRunState)) return { run, seen };
      await sleep(200);
    }
    throw new Error(`run ${runId} still ${seen.at(-1)} after ${timeoutMs} ms`);
  }
  const lines = async (group: string, runId: string) => ((await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: runId, startFromHead: true }))).events ?? []).map((e) => e.message);

  it('runs with its arguments; state, timings and log lines come from the execution', async () => {
    const name = await deploy(
      ['import sys, time', 'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))', 'time.sleep(1.2)', 'print("batch", args["--batch"], "txn", args["--txn"])', 'print("done", args["--JOB_RUN_ID"])', 'print("2 rows quarantined", file=sys.stderr)'].join('\n'),
      { DefaultArguments: { '--batch': '0', '--txn': 'default' } },
    );
    const { JobRunId: runId } = await glue.send(new StartJobRunCommand({ JobName: name, Arguments: { '--batch': '7', '--txn': 'tx-42' } }));
    const { run, seen } = await waitFor(name, runId!);
    expect(run.JobRunState).toBe('SUCCEEDED');
    expect(seen).toContain('RUNNING');
    expect(run.Arguments).toEqual({ '--batch': '7', '--txn': 'tx-42' });
    expect(run.ExecutionTime).toBeGreaterThanOrEqual(1);
    expect(run.CompletedOn!.getTime()).toBeGreaterThanOrEqual(run.StartedOn!.getTime());
    expect(await lines('/aws-glue/jobs/output', runId!)).toEqual(['batch 7 txn tx-42', `done ${runId}`]);
    expect(await lines('/aws-glue/jobs/error', runId!)).toEqual(['2 rows quarantined']);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws-glue/jobs/output', logStreamNames: [runId!], filterPattern: 'txn' }));
    expect(filtered.events?.map((e) => e.message)).toEqual(['batch 7 txn tx-42']);
    const { JobRuns } = await glue.send(new GetJobRunsCommand({ JobName: name }));
    expect(JobRuns?.map((r) => [r.Id, r.JobRunState])).toEqual([[runId, 'SUCCEEDED']]);
  });

  it('a failing script ends FAILED with its error message', async () => {
    const name = await deploy('raise RuntimeError("contract members.yaml: unknown column plan_code")\n');
    const { JobRunId: runId } = await glue.send(new StartJobRunCommand({ JobName: name }));
    const { run } = await waitFor(name, runId!);
    expect(run.JobRunState).toBe('FAILED');
    expect(run.ErrorMessage).toBe('RuntimeError: contract members.yaml: unknown column plan_code');
  });

  it('refuses a second concurrent run, stops a run with BatchStopJobRun, then starts again', async () => {
    const name = await deploy('import time\nprint("started", flush=True)\ntime.sleep(300)\n');
    const { JobRunId: first } = await glue.send(new StartJobRunCommand({ JobName: name }));
    expect(await errorName(glue.send(new StartJobRunCommand({ JobName: name })))).toBe('ConcurrentRunsExceededException');
    await waitFor(name, first!, ['RUNNING']);
    const stop = await glue.send(new BatchStopJobRunCommand({ JobName: name, JobRunIds: [first!] }));
    expect(stop.SuccessfulSubmissions).toEqual([{ JobName: name, JobRunId: first }]);
    const { run } = await waitFor(name, first!, ['STOPPED', 'SUCCEEDED', 'FAILED'], 30_000);
    expect(run.JobRunState).toBe('STOPPED');
    const { JobRunId: second } = await glue.send(new StartJobRunCommand({ JobName: name }));
    expect(second).not.toBe(first);
    await glue.send(new BatchStopJobRunCommand({ JobName: name, JobRunIds: [second!] }));
    expect((await waitFor(name, second!, ['STOPPED', 'SUCCEEDED', 'FAILED'], 30_000)).run.JobRunState).toBe('STOPPED');
  });

  it('UpdateJob replaces the definition; a missing job is EntityNotFoundException', async () => {
    const name = await deploy('print("v1")\n', { DefaultArguments: { '--zone': 'raw' } });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `scripts/${name}-v2.py`, Body: 'import sys\nprint("v2", sys.argv[sys.argv.index("--zone") + 1])\n' }));
    await glue.send(
      new UpdateJobCommand({ JobName: name, JobUpdate: { Role: 'arn:aws:iam::123456789012:role/glue', Command: { Name: 'glueetl', ScriptLocation: `s3://${BUCKET}/scripts/${name}-v2.py` }, DefaultArguments: { '--zone': 'curated' }, WorkerType: 'G.1X', NumberOfWorkers: 3 } }),
    );
    const { Job } = await glue.send(new GetJobCommand({ JobName: name }));
    expect([Job?.Command?.ScriptLocation, Job?.DefaultArguments, Job?.NumberOfWorkers]).toEqual([`s3://${BUCKET}/scripts/${name}-v2.py`, { '--zone': 'curated' }, 3]);
    const { JobRunId: runId } = await glue.send(new StartJobRunCommand({ JobName: name }));
    expect((await waitFor(name, runId!)).run.JobRunState).toBe('SUCCEEDED');
    expect(await lines('/aws-glue/jobs/output', runId!)).toEqual(['v2 curated']);

    await glue.send(new DeleteJobCommand({ JobName: name }));
    expect(await errorName(glue.send(new GetJobCommand({ JobName: name })))).toBe('EntityNotFoundException');
    expect(await errorName(glue.send(new UpdateJobCommand({ JobName: name, JobUpdate: { Role: 'r', Command: { Name: 'glueetl', ScriptLocation: 's3://x/y.py' } } })))).toBe('EntityNotFoundException');
  });
});
