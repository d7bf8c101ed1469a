// The cleanse stage on AWS: Glue job 1 (glue/hfc_glue/cleanse_job.py) cleanses the landed batch
// in the S3 lake and commits it with the same protocol as the DuckDB engine; this engine starts the
// run, records its id before waiting (so a resumed pipeline adopts it instead of starting a second
// one), follows it with its log lines, stops it on cancel, and reads back the manifest it committed.

import type { GlueRunState, GlueRuns, StartOptions } from '../aws/glue-runs.ts';
import { zones } from '../lake/types.ts';
import type { CleanseEngine, CleanseRequest, CuratedManifest } from './types.ts';

export interface GlueCleanseOptions {
  jobName: string;
  /** the lake as the job reads it: s3://bucket/prefix/ */
  lakeUri: string;
  start: StartOptions;
}

/** What the engine records about a run it started. */
interface RecordedRun {
  glueRunId: string;
  jobName: string;
}

const STILL_GOING = new Set<GlueRunState>(['STARTING', 'RUNNING', 'STOPPING', 'WAITING']);

/** The job's structured log lines (hfc_glue/job_log.py): one JSON object per line. */
interface JobLogLine {
  level?: string;
  event?: string;
  dataset?: string;
  step?: string;
  fraction?: number;
  message?: string;
}

export class GlueCleanseEngine implements CleanseEngine {
  readonly name = 'glue';

  constructor(
    private readonly runs: GlueRuns,
    private readonly options: GlueCleanseOptions,
  ) {}

  async cleanse(req: CleanseRequest): Promise<CuratedManifest> {
    const { jobName } = this.options;
    const runId = (await this.adoptable(req)) ?? (await this.startRun(req));
    const follow = {
      signal: req.signal,
      onState: (state: GlueRunState) => req.log?.(`Glue job ${jobName} run ${runId}: ${state}`, { glue_run_id: runId, state }),
      onLog: (line: { stream: string; message: string }) => this.relay(req, line),
      onWarning: (message: string) => req.log?.(message),
    };
    await this.runs.wait(jobName, runId, follow);
    const key = zones.curatedManifest(req.batch);
    const text = await req.lake.getText(key);
    if (!text) throw new Error(`Glue job ${jobName} run ${runId} succeeded but left no ${key} in ${req.lake.root}; the job did not commit. Look at its log (CloudWatch /aws-glue/jobs/output, stream ${runId}).`);
    return JSON.parse(text) as CuratedManifest;
  }

  /** The run an earlier attempt started, when it is still going or has succeeded: waiting for it is the same work. */
  private async adoptable(req: CleanseRequest): Promise<string | null> {
    const recorded = req.recorded as Partial<RecordedRun> | null | undefined;
    if (!recorded?.glueRunId || recorded.jobName !== this.options.jobName) return null;
    const run = await this.runs.status(this.options.jobName, recorded.glueRunId);
    const state = (run.JobRunState ?? 'STARTING') as GlueRunState;
    if (!STILL_GOING.has(state) && state !== 'SUCCEEDED') {
      req.log?.(`Glue run ${recorded.glueRunId} of an earlier attempt ended ${state}; starting a new one`);
      return null;
    }
    req.log?.(`adopting Glue job ${this.options.jobName} run ${recorded.glueRunId} (${state}) started by an earlier attempt`, { glue_run_id: recorded.glueRunId });
    return recorded.glueRunId;
  }

  private async startRun(req: CleanseRequest): Promise<string> {
    const { jobName, lakeUri, start } = this.options;
    const runId = await this.runs.start(jobName, { '--lake': lakeUri, '--batch': String(req.batch) }, start);
    // recorded before any wait: a process that dies from here on leaves a run the next one adopts
    await req.record?.({ glueRunId: runId, jobName } satisfies RecordedRun);
    req.log?.(`started Glue job ${jobName} run ${runId} on ${lakeUri}`, { glue_run_id: runId });
    return runId;
  }

  /** The job's structured lines become progress; everything else is logged as it came. */
  private relay(req: CleanseRequest, line: { stream: string; message: string }): void {
    const text = line.message.trim();
    if (text.startsWith('{')) {
      try {
        const parsed = JSON.parse(text) as JobLogLine;
        if (parsed.dataset && typeof parsed.fraction === 'number') req.onProgress?.({ dataset: parsed.dataset, step: parsed.step ?? parsed.event ?? '', fraction: parsed.fraction });
        if (parsed.message) req.log?.(parsed.message, { ...(parsed.dataset ? { dataset: parsed.dataset } : {}), ...(parsed.level ? { level: parsed.level } : {}) });
        return;
      } catch {
        // not one of the job's lines: keep it as it is
      }
    }
    if (text) req.log?.(text, { stream: line.stream });
  }
}
