import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { curatedManifests } from '../cleanse/commit.ts';
import { loadContracts } from '../contract-loader/load.ts';
import { LocalLake } from '../lake/local.ts';
import { listRuns } from '../orchestrator/store.ts';
import { listProfiles } from '../profiles/load.ts';
import { settleInterruptedRunsIfIdle } from '../run/index.ts';
import { nextBatch } from '../run/next-batch.ts';
import { DuckDBWarehouse } from '../warehouse/duckdb.ts';
import { DEFAULT_WORKSPACE, workspacePaths } from '../workspace.ts';
import { color } from './progress.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the workspace: active profile, batches landed/cleansed/loaded, last runs, freshness')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const paths = workspacePaths(resolve(flags.workspace));
      const profiles = await listProfiles(paths.profiles);
      const lake = new LocalLake(paths.lake);
      const landed = (await lake.list('_manifests/')).map((o) => /^_manifests\/batch=(\d+)\.json$/.exec(o.key)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
      const curated = (await curatedManifests(lake)).map((m) => m.batch);
      let audit: Awaited<ReturnType<DuckDBWarehouse['audit']>> = [];
      let freshness: Awaited<ReturnType<DuckDBWarehouse['freshness']>> = [];
      if (existsSync(paths.warehouse)) {
        const wh = new DuckDBWarehouse(paths.warehouse, loadContracts());
        try {
          audit = await wh.audit();
          freshness = await wh.freshness();
        } finally {
          await wh.close();
        }
      }
      await settleInterruptedRunsIfIdle(paths.root);
      const runs = await listRuns(paths.root, { limit: 5 });
      const loaded = [...new Set(audit.map((a) => a.batch_id))];
      const status = {
        workspace: paths.root,
        active_profile: profiles.active,
        profiles: profiles.profiles.map((p) => p.name),
        batches: { landed, cleansed: curated, loaded },
        // what `claims run --batch next` takes (null once the timeline is used up)
        next_batch: nextBatch(loaded),
        warehouse: paths.warehouse,
        audit,
        freshness,
        recent_runs: runs.map((r) => ({ run_id: r.runId, status: r.status, trigger: r.trigger, batch: r.batch, seconds: r.seconds })),
      };
      if (flags.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      console.log(`${color.bold('Workspace')} ${paths.root}`);
      console.log(`  profile     ${profiles.active} ${color.dim(`(available: ${status.profiles.join(', ')})`)}`);
      console.log(`  landed      ${landed.length ? landed.join(', ') : color.dim('none')}`);
      console.log(`  cleansed    ${curated.length ? curated.join(', ') : color.dim('none')}`);
      console.log(`  loaded      ${status.batches.loaded.length ? status.batches.loaded.join(', ') : color.dim('none')}`);
      console.log(`  next batch  ${status.next_batch ?? color.dim('none: every batch of the timeline is loaded')}`);
      for (const f of freshness) console.log(`  ${f.dataset.padEnd(11)} last loaded ${f.latest_loaded_at ?? color.dim('never')}`);
      if (runs.length) {
        console.log(`  last runs`);
        for (const r of runs) console.log(`    ${r.runId} ${r.status} batch ${r.batch}${r.trigger === 'manual' ? '' : ` (${r.trigger})`}`);
      } else console.log(`  ${color.dim('no runs yet: claims run')}`);
    });
}
