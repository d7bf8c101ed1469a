import { join } from 'node:path';
import { DuckDBCleanseEngine } from '../cleanse/duckdb.ts';
import { loadContracts } from '../contract-loader/load.ts';
import { LocalLake } from '../lake/local.ts';
import { loadProfile } from '../profiles/load.ts';
import type { PipelineContext } from '../stages/context.ts';
import { DuckDBWarehouse } from '../warehouse/duckdb.ts';
import { workspacePaths } from '../workspace.ts';

/** Builds the stage context for a profile: here, and only here, the profile picks implementations. */
export async function pipelineContext(workspace: string, profileName: string | undefined, force = false): Promise<PipelineContext> {
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
        cleanse: new DuckDBCleanseEngine(contracts, { threads: profile.duckdb.threads, memoryLimit: profile.duckdb.memory_limit, tempDirectory: join(paths.tmp, 'cleanse') }),
        warehouse: new DuckDBWarehouse(paths.warehouse, contracts, { threads: profile.duckdb.threads, memoryLimit: profile.duckdb.memory_limit }),
      };
  }
}
