// The load stage on AWS: Glue job 2 (glue/hfc_glue/load_job.py) loads one committed batch from the
// S3 lake into Snowflake RAW in one transaction, replacing the batch when it was loaded before.
// The Snowflake connection reaches the job through the Secrets Manager secret deploy wrote; here the
// run is started (or adopted), followed, and its outcome read from RAW.BATCH_AUDIT.

import { runGlueJobStep, type GlueConsole } from '../aws/glue-job-step.ts';
import { ENTITY_ORDER } from '../contract-loader/load.ts';
import type { GlueRuns, StartOptions } from '../aws/glue-runs.ts';
import type { SnowflakeLoad } from './snowflake.ts';
import type { BatchAudit, LoadResult } from './types.ts';

export interface GlueLoadOptions {
  jobName: string;
  /** the lake as the job reads it: s3://bucket/prefix/ */
  lakeUri: string;
  /** the Secrets Manager secret holding the job's Snowflake connection */
  secretId: string;
  start: StartOptions;
  /** the run's console page (or that it is emulated) */
  console?: GlueConsole;
}

export function glueLoad(runs: GlueRuns, options: GlueLoadOptions, audit: (batch: number) => Promise<BatchAudit[]>): SnowflakeLoad {
  const result = (req: Parameters<SnowflakeLoad>[0], rows: BatchAudit[], loaded: boolean): LoadResult => ({
    batch: req.batch,
    loaded,
    loadedAt: rows[0]!.loaded_at,
    datasets: rows.map((r) => ({ dataset: r.dataset, rows: r.loaded_rows, quarantined: r.quarantined_rows, duplicates: r.duplicates_removed })),
  });
  return async (req): Promise<LoadResult> => {
    // The job's own "already loaded" answer costs a Spark start-up; RAW.BATCH_AUDIT gives it in one
    // query. A run an earlier attempt started is still adopted and followed, whatever the audit says.
    if (!req.force && !req.recorded?.glueRunId) {
      const mine = (await audit(req.batch)).filter((r) => r.txn === req.manifest.txn);
      if (ENTITY_ORDER.every((d) => mine.some((r) => r.dataset === d))) {
        req.log?.(`batch ${req.batch} is already loaded from commit ${req.manifest.txn} (RAW.BATCH_AUDIT); Glue job ${options.jobName} not started`);
        return result(req, mine, false);
      }
    }
    const args = { '--lake': options.lakeUri, '--batch': String(req.batch), '--snowflake_secret_id': options.secretId, '--force': req.force ? 'true' : 'false' };
    const { events } = await runGlueJobStep(runs, options.jobName, args, options.start, req, options.console);
    const loaded = events.find((e) => e.event === 'loaded');
    const rows = await audit(req.batch);
    const mine = rows.filter((r) => r.txn === req.manifest.txn);
    if (!mine.length) throw new Error(`Glue job ${options.jobName} succeeded but RAW.BATCH_AUDIT has no row of batch ${req.batch} commit ${req.manifest.txn}: the load did not happen. Look at the job's log.`);
    const queries = events.flatMap((e) => (e.event === 'statement' && typeof e.query_id === 'string' && typeof e.statement === 'string' ? [{ statement: e.statement, queryId: e.query_id }] : []));
    // the job says "already loaded from this commit; nothing to do" and reports no load event
    return { ...result(req, mine, loaded !== undefined), ...(queries.length ? { queries } : {}) };
  };
}
