// The cleanse stage on AWS: Glue job 1 (glue/hfc_glue/cleanse_job.py) cleanses the landed batch in
// the S3 lake and commits it with the same protocol as the DuckDB engine; this engine runs it (or
// adopts the run an earlier attempt started) and reads back the manifest it committed.

import { runGlueJobStep, type GlueConsole } from '../aws/glue-job-step.ts';
import type { GlueRuns, StartOptions } from '../aws/glue-runs.ts';
import { zones } from '../lake/types.ts';
import type { CleanseEngine, CleanseRequest, CuratedManifest } from './types.ts';

export interface GlueCleanseOptions {
  jobName: string;
  /** the lake as the job reads it: s3://bucket/prefix/ */
  lakeUri: string;
  start: StartOptions;
  /** the run's console page (or that it is emulated) */
  console?: GlueConsole;
}

export class GlueCleanseEngine implements CleanseEngine {
  readonly name = 'glue';

  constructor(
    private readonly runs: GlueRuns,
    private readonly options: GlueCleanseOptions,
  ) {}

  async cleanse(req: CleanseRequest): Promise<CuratedManifest> {
    const { jobName, lakeUri, start, console } = this.options;
    const { runId } = await runGlueJobStep(this.runs, jobName, { '--lake': lakeUri, '--batch': String(req.batch) }, start, req, console);
    const key = zones.curatedManifest(req.batch);
    const text = await req.lake.getText(key);
    if (!text) throw new Error(`Glue job ${jobName} run ${runId} succeeded but left no ${key} in ${req.lake.root}: it did not commit. Look at its log (CloudWatch /aws-glue/jobs/output, stream ${runId}).`);
    return JSON.parse(text) as CuratedManifest;
  }
}
