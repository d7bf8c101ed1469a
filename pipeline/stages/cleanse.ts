import type { CuratedManifest } from '../cleanse/types.ts';
import { InputFileError } from '../ingest/inspect.ts';
import { zones } from '../lake/types.ts';
import { StageError, type Stage } from '../orchestrator/types.ts';
import { OUTSIDE_WORK_WIND_DOWN_MS, type PipelineContext } from './context.ts';
import { lakePrefixes, lakePrefixLine, type LakePrefix } from './lake-prefixes.ts';

/** Cleanses the landed batch into curated Parquet and quarantine, committed atomically. */
export function cleanseStage(p: PipelineContext): Stage {
  return {
    name: 'cleanse',
    dependsOn: ['ingest'],
    windDownMs: OUTSIDE_WORK_WIND_DOWN_MS,
    async run(ctx) {
      const batch = ctx.options.batch;
      const lake = lakePrefixes(p, { reads: ['raw/csv/'], writes: ['processed/parquet/', 'quarantine/'] });
      ctx.log('info', ...lakePrefixLine(lake));
      const rawText = await p.lake.getText(zones.rawManifest(batch));
      const committed = await p.lake.getText(zones.curatedManifest(batch));
      if (rawText && committed && !p.force) {
        const m = JSON.parse(committed) as CuratedManifest;
        if (m.raw_landed_at === JSON.parse(rawText).landed_at) {
          ctx.log('info', `batch ${batch} was already cleansed from this landing (txn ${m.txn}); nothing to do`);
          return resultOf(m, true, lake);
        }
      }
      try {
        const m = await p.cleanse.cleanse({
          batch,
          lake: p.lake,
          signal: ctx.signal,
          onProgress: (pr) => ctx.progress({ dataset: pr.dataset, fraction: pr.fraction, message: pr.step }),
          log: (message, fields) => ctx.log('info', message, fields),
          recorded: ctx.checkpoint,
          record: (facts) => ctx.remember(facts),
        });
        for (const [dataset, d] of Object.entries(m.datasets)) {
          ctx.log(d.quarantined_rows ? 'warn' : 'info', `${dataset}: ${d.curated_rows} curated, ${d.quarantined_rows} quarantined, ${d.duplicates_removed} duplicates removed`, { quarantine: d.quarantine_by_reason });
        }
        return resultOf(m, false, lake);
      } catch (err) {
        if (err instanceof InputFileError) throw new StageError(err.message, { retryable: false, hint: err.hint, cause: err });
        throw err;
      }
    },
  };
}

function resultOf(m: CuratedManifest, reused: boolean, lake: LakePrefix[]) {
  const rows: Record<string, number> = {};
  const quarantine: Record<string, Record<string, number>> = {};
  for (const [name, d] of Object.entries(m.datasets)) {
    rows[`curated.${name}`] = d.curated_rows;
    rows[`quarantine.${name}`] = d.quarantined_rows;
    rows[`duplicates.${name}`] = d.duplicates_removed;
    quarantine[name] = d.quarantine_by_reason as Record<string, number>;
  }
  return { rows, outputs: { txn: m.txn, quarantine, reused, lake }, summary: reused ? 'already cleansed (no-op)' : `committed ${m.txn}`, ...(reused ? { noop: true } : {}) };
}
