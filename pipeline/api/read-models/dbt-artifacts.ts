// Whose dbt artifacts the app shows: those of the active profile's latest dbt build. Every run keeps
// its own copy (runs/<id>/dbt/), while dbt-target/ holds the latest build of whatever profile ran
// last; read blindly, a cloud profile would show a local build's lineage and test results (or the
// other way round). Profiles of kind local share one warehouse, so they share their builds too.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listRuns, runDir } from '../../orchestrator/store.ts';
import type { WorkspacePaths } from '../../workspace.ts';

export interface ProfileRef {
  name: string;
  kind: 'local' | 'aws';
}

/** The folder of the newest dbt build of the profile (of any local profile, for kind local), or null when there is none. */
export async function dbtArtifactsDir(paths: WorkspacePaths, profile: ProfileRef, awsProfiles: ReadonlySet<string>): Promise<string | null> {
  const same = (name: string) => (profile.kind === 'aws' ? name === profile.name : !awsProfiles.has(name));
  let builds = 0;
  for (const run of await listRuns(paths.root)) {
    const stage = run.stages.find((s) => s.name === 'transform');
    if (!stage || (stage.status !== 'succeeded' && stage.status !== 'failed')) continue;
    const dir = join(runDir(paths.root, stage.restoredFrom ?? run.runId), 'dbt');
    if (!existsSync(join(dir, 'manifest.json'))) continue;
    builds++;
    if (same(run.profile)) return dir;
  }
  // a workspace whose builds predate the runs' own copies: dbt-target/ is then a local build's
  return profile.kind === 'local' && builds === 0 && existsSync(join(paths.dbtTarget, 'manifest.json')) ? paths.dbtTarget : null;
}
