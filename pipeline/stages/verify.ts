import type { CuratedManifest } from '../cleanse/types.ts';
import { parseRawManifest } from '../ingest/manifest.ts';
import { zones } from '../lake/types.ts';
import { StageError, type Stage } from '../orchestrator/types.ts';
import { reconcile } from '../verify/reconcile.ts';
import type { PipelineContext } from './context.ts';

/** Reconciles raw = curated + quarantined + duplicates = loaded, and checks freshness. */
export function verifyStage(p: PipelineContext): Stage {
  return {
    name: 'verify',
    dependsOn: ['load'],
    async run(ctx) {
      const batch = ctx.options.batch;
      const rawText = await p.lake.getText(zones.rawManifest(batch));
      const curatedText = await p.lake.getText(zones.curatedManifest(batch));
      if (!rawText || !curatedText) throw new StageError(`Batch ${batch} is not landed and cleansed yet; nothing to verify. Run the earlier stages first.`, { retryable: false });
      try {
        const report = await reconcile(batch, parseRawManifest(rawText, zones.rawManifest(batch)), JSON.parse(curatedText) as CuratedManifest, p.warehouse, p.profile.freshness_hours);
        const rows = Object.fromEntries(report.reconciliation.map((r) => [`verified.${r.dataset}`, r.loaded_rows]));
        if (!report.ok) {
          for (const problem of report.problems) ctx.log('error', problem);
          throw new StageError(`Verification failed for batch ${batch}: ${report.problems.join('; ')}`, { retryable: false, hint: 'Rerun the cleanse and load stages for this batch (claims run --stages cleanse,load,verify --force).' });
        }
        ctx.log('info', `batch ${batch} reconciles: every raw row is curated, quarantined or a removed duplicate`);
        return { rows, outputs: { report }, summary: 'reconciled' };
      } finally {
        await p.warehouse.close();
      }
    },
  };
}
