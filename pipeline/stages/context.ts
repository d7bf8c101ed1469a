import type { CleanseEngine } from '../cleanse/types.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import type { ConditionalWrites, Lake } from '../lake/types.ts';
import type { Profile } from '../profiles/types.ts';
import type { ConsoleLinks } from '../run/console-links.ts';
import type { Transformer } from '../transform/types.ts';
import type { Warehouse } from '../warehouse/types.ts';
import type { WorkspacePaths } from '../workspace.ts';

/**
 * How long a stage that starts outside work (a Glue job run, a dbt build) is given, once cancelled
 * or timed out, to stop that work and see it end (GlueRuns watches a stopped run for up to 30 s; a
 * dbt interrupted cancels its queries, and a dbt process started ahead of the build is killed
 * after 20 s), so the next run does not find the warehouse still held.
 */
export const OUTSIDE_WORK_WIND_DOWN_MS = 45_000;

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
  /** the console pages of the profile's cloud resources; absent for a profile with no console (local) */
  console?: ConsoleLinks;
  /** redo work even when the same batch already went through a stage */
  force: boolean;
  /** lets go of what the implementations hold (clients, sockets) when the run ends */
  close(): Promise<void>;
}
