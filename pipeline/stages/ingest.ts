import { ingest, RawZoneConflictError } from '../ingest/ingest.ts';
import { InputFileError } from '../ingest/inspect.ts';
import { WorldMismatchError } from '../ingest/world.ts';
import { StageError, type Stage } from '../orchestrator/types.ts';
import type { PipelineContext } from './context.ts';
import { lakePrefixes, lakePrefixLine } from './lake-prefixes.ts';

/** Lands the generated batch in the lake's raw zone (immutable; identical content is a no-op). */
export function ingestStage(p: PipelineContext): Stage {
  return {
    name: 'ingest',
    dependsOn: ['generate'],
    async run(ctx) {
      const lake = lakePrefixes(p, { writes: ['raw/csv/', '_manifests/'] });
      ctx.log('info', ...lakePrefixLine(lake));
      try {
        const r = await ingest({
          batch: ctx.options.batch,
          sourceDir: p.paths.generated(ctx.options.batch),
          lake: p.lake,
          contracts: p.contracts,
          force: p.force,
          signal: ctx.signal,
          onProgress: (pr) => ctx.progress({ dataset: pr.dataset, fraction: pr.fraction, message: `checksumming ${pr.file}` }),
        });
        const rows = Object.fromEntries(Object.entries(r.manifest.datasets).map(([k, v]) => [k, v.rows]));
        ctx.log('info', r.landed ? `landed batch ${r.batch} in ${p.lake.root}/raw` : `batch ${r.batch} already landed with identical content; nothing to do`, { rows });
        return { rows, outputs: { manifest: r.manifestKey, landed: r.landed, lake }, summary: r.landed ? 'landed' : 'already landed (no-op)', ...(r.landed ? {} : { noop: true }) };
      } catch (err) {
        if (err instanceof InputFileError || err instanceof RawZoneConflictError || err instanceof WorldMismatchError) throw new StageError(err.message, { retryable: false, cause: err });
        throw err;
      }
    },
  };
}
