import type { CuratedManifest } from '../cleanse/types.ts';
import { zones } from '../lake/types.ts';
import { StageError, type Stage } from '../orchestrator/types.ts';
import type { PipelineContext } from './context.ts';

/** Loads the committed batch into the warehouse's raw schema (replacing that batch if present). */
export function loadStage(p: PipelineContext): Stage {
  return {
    name: 'load',
    dependsOn: ['cleanse'],
    async run(ctx) {
      const batch = ctx.options.batch;
      const text = await p.lake.getText(zones.curatedManifest(batch));
      if (!text) throw new StageError(`Batch ${batch} has no committed curated data (${zones.curatedManifest(batch)}); run the cleanse stage first.`, { retryable: false });
      const manifest = JSON.parse(text) as CuratedManifest;
      try {
        const r = await p.warehouse.loadBatch({
          batch,
          manifest,
          lake: p.lake,
          force: p.force,
          signal: ctx.signal,
          log: (message, fields) => ctx.log('info', message, fields),
          recorded: ctx.checkpoint,
          record: (facts) => ctx.remember(facts),
        });
        const rows = Object.fromEntries(r.datasets.map((d) => [`warehouse.${d.dataset}`, d.rows]));
        ctx.log('info', r.loaded ? `loaded batch ${batch} into ${p.warehouse.location}` : `batch ${batch} (txn ${manifest.txn}) is already loaded; nothing to do`, { rows });
        return { rows, outputs: { warehouse: p.warehouse.location, loaded: r.loaded }, summary: r.loaded ? 'loaded' : 'already loaded (no-op)', ...(r.loaded ? {} : { noop: true }) };
      } finally {
        // free the file for dbt and other readers between stages
        await p.warehouse.close();
      }
    },
  };
}
