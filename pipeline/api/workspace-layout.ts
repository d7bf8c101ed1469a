// Where things live in a workspace. This follows the layout pipeline/workspace.ts defines
// (workspacePaths); the lake zones follow pipeline/lake/types.ts.

import { join, resolve } from 'node:path';

export interface WorkspaceLayout {
  root: string;
  lake: string;
  warehouse: string;
  /** generated/batch=<k>/ */
  generated: string;
  runs: string;
  profiles: string;
  dbtTarget: string;
  /** the app's own small state (active profile) */
  uiState: string;
}

export function workspaceLayout(dir: string): WorkspaceLayout {
  const root = resolve(dir);
  return {
    root,
    lake: join(root, 'lake'),
    warehouse: join(root, 'warehouse.duckdb'),
    generated: join(root, 'generated'),
    runs: join(root, 'runs'),
    profiles: join(root, 'profiles.yaml'),
    dbtTarget: join(root, 'dbt-target'),
    uiState: join(root, '.claims-ui.json'),
  };
}

export const generatedBatchDir = (layout: WorkspaceLayout, batch: number) => join(layout.generated, `batch=${batch}`);
