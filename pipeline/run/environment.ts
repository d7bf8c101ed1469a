// Here, and only here, a profile becomes implementations: the lake, the cleanse engine, the
// warehouse (its loading side for runs, its reading side for the app) and the transformer.
// Nothing above these seams knows which kind of profile runs.

import { join } from 'node:path';
import { DuckDBCleanseEngine } from '../cleanse/duckdb.ts';
import { SparkCleanseEngine } from '../cleanse/spark.ts';
import { loadContracts } from '../contract-loader/load.ts';
import { DEFAULT_READER_TEMP_SIZE } from '../duckdb/sealed.ts';
import { LocalLake } from '../lake/local.ts';
import type { Lake } from '../lake/types.ts';
import { loadProfile } from '../profiles/load.ts';
import type { LocalProfile, Profile } from '../profiles/types.ts';
import type { PipelineContext } from '../stages/context.ts';
import { DbtTransformer, type DbtOptions } from '../transform/dbt.ts';
import type { DbtWorker } from '../transform/dbt-worker.ts';
import { DuckDBWarehouseReader } from '../warehouse/duckdb-reader.ts';
import { DuckDBWarehouse } from '../warehouse/duckdb.ts';
import type { WarehouseReader } from '../warehouse/reader.ts';
import { workspacePaths, type WorkspacePaths } from '../workspace.ts';

export interface ContextOptions {
  /** what happens before the stages (an aws profile's auto-deploy), for the run's log */
  log?: (message: string) => void;
  /**
   * A dbt process its owner started ahead of the build (the app's, or `claims run`'s). A local
   * build takes seconds, a third of them dbt's start-up, so it runs there; a cloud build takes
   * minutes, and its Snowflake secrets stay in a process that ends with the build.
   */
  dbt?: DbtWorker;
}

/** Builds the stage context for a profile (an aws profile's deployment checked first: pipeline/deploy/ensure.ts). */
export async function pipelineContext(workspace: string, profileName: string | undefined, force = false, options: ContextOptions = {}): Promise<PipelineContext> {
  const paths = workspacePaths(workspace);
  const profile = await loadProfile(paths.profiles, profileName);
  const contracts = loadContracts();
  switch (profile.kind) {
    case 'local':
      options.dbt?.warm();
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
        transformer: new DbtTransformer(localDbtOptions(paths, profile, force), options.dbt),
        close: async () => undefined,
      };
    case 'aws':
      // the AWS and Snowflake clients load only for the profiles that use them: a local run starts faster
      return (await import('./aws-environment.ts')).awsPipelineContext({ paths, profile, contracts, force }, options);
  }
}

/** What the app reads a profile's data through: its lake, and its warehouse's reading side. */
/** How a local profile's transform stage runs dbt on the workspace's DuckDB warehouse. */
export function localDbtOptions(paths: WorkspacePaths, profile: LocalProfile, force: boolean): DbtOptions {
  return {
    target: profile.dbt.target,
    threads: profile.dbt.threads,
    env: { CLAIMS_WAREHOUSE: paths.warehouse, CLAIMS_DBT_TARGET: profile.dbt.target, CLAIMS_DBT_MEMORY_LIMIT: profile.duckdb.memory_limit },
    workDir: join(paths.root, 'dbt'),
    // a forced run may have replaced a loaded batch: rebuild incremental models from scratch
    args: force ? ['--full-refresh'] : [],
  };
}

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
    case 'aws':
      return (await import('./aws-environment.ts')).awsReadSide(paths, profile);
  }
}
