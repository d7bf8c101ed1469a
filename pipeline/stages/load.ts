import type { CuratedManifest } from '../cleanse/types.ts';
import { zones } from '../lake/types.ts';
import { StageError, type Stage } from '../orchestrator/types.ts';
import { OUTSIDE_WORK_WIND_DOWN_MS, type PipelineContext } from './context.ts';
import { lakePrefixes, lakePrefixLine } from './lake-prefixes.ts';

/** Loads the committed batch into the warehouse's raw schema (replacing that batch if present). */
export function loadStage(p: PipelineContext): Stage {
  return {
    name: 'load',
    dependsOn: ['cleanse'],
    windDownMs: OUTSIDE_WORK_WIND_DOWN_MS,
    async run(ctx) {
      const batch = ctx.options.batch;
      const lake = lakePrefixes(p, { reads: ['processed/parquet/'] });
      ctx.log('info', ...lakePrefixLine(lake));
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
        // the load's statements as the transform's dbt nodes are listed (renderer/src/state/stage-identity.ts)
        const queries = (r.queries ?? []).map((q, i) => {
          const console = p.console?.snowflakeQuery(q.queryId);
          return { node: `load.${i + 1}`, name: q.statement, resource_type: 'statement', query_id: q.queryId, ...(console ? { console } : {}) };
        });
        return { rows, outputs: { warehouse: p.warehouse.location, loaded: r.loaded, lake, ...(queries.length ? { queries } : {}) }, summary: r.loaded ? 'loaded' : 'already loaded (no-op)', ...(r.loaded ? {} : { noop: true }) };
      } finally {
        // free the file for dbt and other readers between stages
        await p.warehouse.close();
      }
    },
  };
}
