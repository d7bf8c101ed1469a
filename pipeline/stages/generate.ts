import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate, GENERATOR_VERSION, type GenerateManifest } from '../generate/index.ts';
import { parseGenerateOptions } from '../generate/options.ts';
import type { Stage } from '../orchestrator/types.ts';
import type { PipelineContext } from './context.ts';

/** Generates the batch into <workspace>/generated/batch=<k>, unless the same options already did. */
export function generateStage(p: PipelineContext): Stage {
  return {
    name: 'generate',
    dependsOn: [],
    async run(ctx) {
      const g = p.profile.generate;
      const out = p.paths.generated(ctx.options.batch);
      const options = parseGenerateOptions({
        seed: g.seed,
        members: g.members,
        providers: g.providers,
        claims: g.claims,
        dirtyRate: g.dirty_rate,
        rowsPerFile: g.rows_per_file,
        batch: ctx.options.batch,
        out,
        threads: p.profile.duckdb.threads,
      });
      const previous = await readFile(join(out, 'manifest.json'), 'utf8')
        .then((t) => JSON.parse(t) as GenerateManifest)
        .catch(() => null);
      const same = previous && previous.generator_version === GENERATOR_VERSION && JSON.stringify(previous.options) === JSON.stringify({ seed: options.seed, members: options.members, providers: options.providers, claims: options.claims, batch: options.batch, dirtyRate: options.dirtyRate, format: options.format });
      if (same && !p.force) {
        ctx.log('info', `batch ${options.batch} already generated with these options; reusing ${out}`);
        return { rows: rowsOf(previous), outputs: { dir: out, reused: true, defects: previous.defects.total }, summary: `already generated (no-op): reused ${out}`, noop: true };
      }
      const manifest = await generate(
        options,
        { signal: ctx.signal, onProgress: (pr) => ctx.progress({ fraction: pr.total ? pr.done / pr.total : 0, message: pr.phase }) },
        // the run's contracts, already loaded and checked
        p.contracts,
      );
      ctx.log('info', `generated batch ${options.batch} as of ${manifest.as_of}`, { seconds: manifest.seconds, defects: manifest.defects.total });
      return { rows: rowsOf(manifest), outputs: { dir: out, reused: false, defects: manifest.defects.total, as_of: manifest.as_of }, summary: `generated ${out}` };
    },
  };
}

function rowsOf(m: GenerateManifest): Record<string, number> {
  return Object.fromEntries(Object.entries(m.datasets).map(([k, v]) => [k, v.rows]));
}
