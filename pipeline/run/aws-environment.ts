// The `aws` kind of profile as implementations: S3 lake, Glue cleanse, Snowflake warehouse loaded by
// Glue job 2, dbt on Snowflake, and the Snowflake reader. environment.ts chooses it; it is its own
// module so that the AWS and Snowflake clients load only for the profiles that use them.

import { join } from 'node:path';
import { awsClients } from '../aws/clients.ts';
import { GlueRuns, type StartOptions } from '../aws/glue-runs.ts';
import { awsForProfile } from '../aws/profile-settings.ts';
import { GlueCleanseEngine } from '../cleanse/glue.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import { ensureDeployed } from '../deploy/ensure.ts';
import { snowflakeSecretId } from '../deploy/secret.ts';
import type { EmulatorInfo } from '../emulator/record.ts';
import { S3Lake } from '../lake/s3.ts';
import type { AwsProfile } from '../profiles/types.ts';
import { dbtSnowflakeInvocation } from '../snowflake/dbt-env.ts';
import { snowflakeSettingsFor } from '../snowflake/profile-settings.ts';
import type { PipelineContext } from '../stages/context.ts';
import { DbtTransformer } from '../transform/dbt.ts';
import { glueLoad } from '../warehouse/glue-load.ts';
import { SnowflakeWarehouseReader } from '../warehouse/snowflake-reader.ts';
import { SnowflakeWarehouse } from '../warehouse/snowflake.ts';
import type { WorkspacePaths } from '../workspace.ts';
import { consoleLinksFor } from './console-links.ts';
import type { ContextOptions, ReadSide } from './environment.ts';

/** How much of S3 the app and the DuckDB readers keep locally. */
const LAKE_CACHE_BYTES = 2 * 1024 ** 3;

export async function awsPipelineContext(
  base: { paths: WorkspacePaths; profile: AwsProfile; contracts: ContractSet; force: boolean },
  options: ContextOptions,
): Promise<PipelineContext> {
  const { paths, profile, contracts, force } = base;
  // missing or out of date: fails here, before any stage, or deploys first under auto_deploy
  await ensureDeployed(profile, paths, { log: options.log });
  const cloud = await awsSide(paths, profile);
  const runs = new GlueRuns({ glue: cloud.clients.glue, logs: cloud.clients.logs, endpoints: cloud.clients.settings.endpoints ?? {} });
  const start: StartOptions = { ...(profile.glue.worker_type ? { workerType: profile.glue.worker_type } : {}), ...(profile.glue.workers ? { numberOfWorkers: profile.glue.workers } : {}), ...(profile.glue.timeout_minutes ? { timeoutMinutes: profile.glue.timeout_minutes } : {}) };
  const lakeUri = cloud.lake.root.replace(/\/$/, '');
  const links = consoleLinksFor(profile);
  const snowflake = snowflakeSettingsFor(profile, cloud.emulator, 'node');
  const warehouse: SnowflakeWarehouse = new SnowflakeWarehouse(
    snowflake,
    contracts,
    glueLoad(runs, { jobName: profile.glue.jobs.load, lakeUri, secretId: snowflakeSecretId(profile), start, console: links.glueRun }, (batch) => warehouse.audit(batch)),
  );
  const dbt = await dbtSnowflakeInvocation(snowflakeSettingsFor(profile, cloud.emulator, 'python'));
  return {
    paths,
    profile,
    contracts,
    force,
    lake: cloud.lake,
    sharedLake: cloud.lake,
    cleanse: new GlueCleanseEngine(runs, { jobName: profile.glue.jobs.cleanse, lakeUri, start, console: links.glueRun }),
    console: links,
    warehouse,
    transformer: new DbtTransformer({
      target: dbt.target,
      threads: dbt.threads,
      env: dbt.env,
      workDir: join(paths.root, 'dbt', profile.name),
      args: [...dbt.args, ...(force ? ['--full-refresh'] : [])],
    }),
    close: async () => cloud.clients.destroy(),
  };
}

export async function awsReadSide(paths: WorkspacePaths, profile: AwsProfile): Promise<ReadSide> {
  const cloud = await awsSide(paths, profile);
  const warehouse = await SnowflakeWarehouseReader.open(snowflakeSettingsFor(profile, cloud.emulator, 'node'));
  return {
    lake: cloud.lake,
    warehouse,
    close: async () => {
      await warehouse.close();
      cloud.clients.destroy();
    },
  };
}

/** The AWS clients and the S3 lake of a profile (its emulator started when it is one). */
async function awsSide(paths: WorkspacePaths, profile: AwsProfile) {
  const { settings, emulator } = await awsForProfile(paths.root, profile);
  const clients = awsClients(settings);
  const encryption = profile.aws.encryption.mode === 'sse-kms' ? { kind: 'sse-kms' as const, kmsKeyId: profile.aws.encryption.kms_key_id } : { kind: 'sse-s3' as const };
  const lake = new S3Lake({
    s3: clients.s3,
    bucket: profile.aws.bucket,
    prefix: profile.aws.prefix.replace(/\/$/, ''),
    encryption,
    cache: { dir: join(paths.tmp, 'lake-cache', profile.name), maxBytes: LAKE_CACHE_BYTES },
    ...(settings.endpoints?.s3 ? { endpoint: settings.endpoints.s3 } : {}),
  });
  return { clients, lake, emulator: emulator as EmulatorInfo | null };
}
