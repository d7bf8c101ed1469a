import { resolve, join } from 'node:path';

/** Where everything of one workspace lives. */
export interface WorkspacePaths {
  root: string;
  lake: string;
  warehouse: string;
  runs: string;
  profiles: string;
  tmp: string;
  /** latest dbt artifacts (manifest.json, run_results.json) */
  dbtTarget: string;
  /** the cloud emulator's state: emulator.json, logs, Snowflake databases (pipeline/emulator) */
  emulator: string;
  generated(batch: number): string;
}

export const DEFAULT_WORKSPACE = 'workspace';

export function workspacePaths(dir: string = DEFAULT_WORKSPACE): WorkspacePaths {
  const root = resolve(dir);
  return {
    root,
    lake: join(root, 'lake'),
    warehouse: join(root, 'warehouse.duckdb'),
    runs: join(root, 'runs'),
    profiles: join(root, 'profiles.yaml'),
    tmp: join(root, 'tmp'),
    dbtTarget: join(root, 'dbt-target'),
    emulator: join(root, 'emulator'),
    generated: (batch: number) => join(root, 'generated', `batch=${batch}`),
  };
}
