import type { CleanseEngine } from '../cleanse/types.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import type { ConditionalWrites, Lake } from '../lake/types.ts';
import type { Profile } from '../profiles/types.ts';
import type { Transformer } from '../transform/types.ts';
import type { Warehouse } from '../warehouse/types.ts';
import type { WorkspacePaths } from '../workspace.ts';

/** What the stages of one run share: the profile's implementations behind the seams. */
export interface PipelineContext {
  paths: WorkspacePaths;
  profile: Profile;
  contracts: ContractSet;
  lake: Lake;
  cleanse: CleanseEngine;
  warehouse: Warehouse;
  transformer: Transformer;
  /**
   * Where the run's cross-machine lock lives when the lake is shared (a bucket the app, the CLI and
   * Airflow on other machines may all write); absent for a lake only this workspace writes.
   */
  sharedLake?: ConditionalWrites;
  /** redo work even when the same batch already went through a stage */
  force: boolean;
  /** lets go of what the implementations hold (clients, sockets) when the run ends */
  close(): Promise<void>;
}
