// Here, and only here, a profile becomes implementations: the lake, the cleanse engine, the
// warehouse (its loading side for runs, its reading side for the app) and the transformer.
// Nothing above these seams knows which kind of profile runs.

import { join } from 'node:path';
import { awsClients } from '../aws/clients.ts';
import { GlueRuns, type StartOptions } from '../aws/glue-runs.ts';
import { awsForProfile } from '../aws/profile-settings.ts';
import { DuckDBCleanseEngine } from '../cleanse/duckdb.ts';
import { GlueCleanseEngine } from '../cleanse/glue.ts';
import { SparkCleanseEngine } from '../cleanse/spark.ts';
import { loadContracts } from '../contract-loader/load.ts';
import { ensureDeployed } from '../deploy/ensure.ts';
import { snowflakeSecretId } from '../deploy/secret.ts';
import { DEFAULT_READER_TEMP_SIZE } from '../duckdb/sealed.ts';
import type { EmulatorInfo } from '../emulator/record.ts';
import { LocalLake } from '../lake/local.ts';
import { S3Lake } from '../lake/s3.ts';
import type { Lake } from '../lake/types.ts';
import { loadProfile } from '../profiles/load.ts';
import type { AwsProfile, Profile } from '../profiles/types.ts';
import { dbtSnowflakeInvocation } from '../snowflake/dbt-env.ts';
import { snowflakeSettingsFor } from '../snowflake/profile-settings.ts';
import type { PipelineContext } from '../stages/context.ts';
import { DbtTransformer } from '../transform/dbt.ts';
import { DuckDBWarehouseReader } from '../warehouse/duckdb-reader.ts';
import { DuckDBWarehouse } from '../warehouse/duckdb.ts';
import { glueLoad } from '../warehouse/glue-load.ts';
import type { WarehouseReader } from '../warehouse/reader.ts';
import { SnowflakeWarehouseReader } from '../warehouse/snowflake-reader.ts';
import { SnowflakeWarehouse } from '../warehouse/snowflake.ts';
import { workspacePaths, type WorkspacePaths } from '../workspace.ts';

/** How much of S3 the app and the DuckDB readers keep locally. */
const LAKE_CACHE_BYTES = 2 * 1024 ** 3;

export interface ContextOptions {
  /** what happens before the stages (an aws profile's auto-deploy), for the run's log */
  log?: (message: string) => void;
}

/** Builds the stage context for a profile (an aws profile's deployment checked first: pipeline/deploy/ensure.ts). */
export async function pipelineContext(workspace: string, profileName: string | undefined, force = false, options: ContextOptions = {}): Promise<PipelineContext> {
  const paths = workspacePaths(workspace);
  const profile = await loadProfile(paths.profiles, profileName);
  const contracts = loadContracts();
  switch (profile.kind) {
    case 'local':
      return {
        paths,
        profile,
        contracts,
        force,
        lake: new LocalLake(paths.lake),
        cleanse:
          profile.cleanse.engine === 'spark'
            ? new SparkCleanseEngine()
            : new DuckDBCleanseEngine(contracts, { threads: profile.duckdb.threads, memoryLimit: profile.duckdb.memory_limit, tempDirectory: join(paths.tmp, 'cleanse') }),
        warehouse: new DuckDBWarehouse(paths.warehouse, contracts, { threads: profile.duckdb.threads, memoryLimit: profile.duckdb.memory_limit }),
        transformer: new DbtTransformer({
          target: profile.dbt.target,
          threads: profile.dbt.threads,
          env: { CLAIMS_WAREHOUSE: paths.warehouse, CLAIMS_DBT_TARGET: profile.dbt.target, CLAIMS_DBT_MEMORY_LIMIT: profile.duckdb.memory_limit },
          workDir: join(paths.root, 'dbt'),
          // a forced run may have replaced a loaded batch: rebuild incremental models from scratch
          args: force ? ['--full-refresh'] : [],
        }),
        close: async () => undefined,
      };
    case 'aws': {
      // missing or out of date: fails here, before any stage, or deploys first under auto_deploy
      await ensureDeployed(profile, paths, { log: options.log });
      const cloud = await awsSide(paths, profile);
      const runs = new GlueRuns({ glue: cloud.clients.glue, logs: cloud.clients.logs, endpoints: cloud.clients.settings.endpoints ?? {} });
      const start: StartOptions = { ...(profile.glue.worker_type ? { workerType: profile.glue.worker_type } : {}), ...(profile.glue.workers ? { numberOfWorkers: profile.glue.workers } : {}), ...(profile.glue.timeout_minutes ? { timeoutMinutes: profile.glue.timeout_minutes } : {}) };
      const lakeUri = cloud.lake.root.replace(/\/$/, '');
      const snowflake = snowflakeSettingsFor(profile, cloud.emulator, 'node');
      const warehouse: SnowflakeWarehouse = new SnowflakeWarehouse(
        snowflake,
        contracts,
        glueLoad(runs, { jobName: profile.glue.jobs.load, lakeUri, secretId: snowflakeSecretId(profile), start }, (batch) => warehouse.audit(batch)),
      );
      const dbt = await dbtSnowflakeInvocation(snowflakeSettingsFor(profile, cloud.emulator, 'python'));
      return {
        paths,
        profile,
        contracts,
        force,
        lake: cloud.lake,
        sharedLake: cloud.lake,
        cleanse: new GlueCleanseEngine(runs, { jobName: profile.glue.jobs.cleanse, lakeUri, start }),
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
  }
}

/** What the app reads a profile's data through: its lake, and its warehouse's reading side. */
export interface ReadSide {
  lake: Lake;
  warehouse: WarehouseReader;
  close(): Promise<void>;
}

export async function readSide(paths: WorkspacePaths, profile: Profile, memoryLimit: string): Promise<ReadSide> {
  switch (profile.kind) {
    case 'local': {
      const warehouse = new DuckDBWarehouseReader(paths.warehouse, { memoryLimit, maxTempSize: DEFAULT_READER_TEMP_SIZE, tempDirectory: join(paths.tmp, 'warehouse-reader') }, paths.root);
      return { lake: new LocalLake(paths.lake), warehouse, close: () => warehouse.close() };
    }
    case 'aws': {
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
  }
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
