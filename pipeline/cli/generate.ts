import type { Command } from 'commander';
import { resolve } from 'node:path';
import { generate } from '../generate/index.ts';
import { GENERATE_DEFAULTS, MAX_BATCH, parseGenerateOptions } from '../generate/options.ts';
import { color, ProgressLine } from './progress.ts';

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Generate synthetic members, providers and claims (one batch of the timeline) as raw CSV')
    .option('--seed <int>', 'random seed; the same seed and options give byte-identical files', String(GENERATE_DEFAULTS.seed))
    .option('--members <n>', 'members in the initial load', String(GENERATE_DEFAULTS.members))
    .option('--providers <n>', 'providers (NPIs)', String(GENERATE_DEFAULTS.providers))
    .option('--claims <n>', 'claims in the initial load (18 months of history); later batches add claims/18 a month', String(GENERATE_DEFAULTS.claims))
    .option('--batch <k>', `batch of the timeline, 1 (initial load) to ${MAX_BATCH}`, String(GENERATE_DEFAULTS.batch))
    .option('--dirty-rate <r>', `share of rows (0..1) with an injected defect, listed in ground_truth.csv (default ${GENERATE_DEFAULTS.dirtyRate} for CSV, 0 for Parquet)`)
    .option('--format <fmt>', 'csv, parquet or both', GENERATE_DEFAULTS.format)
    .option('--rows-per-file <n>', 'claims rows per CSV file', String(GENERATE_DEFAULTS.rowsPerFile))
    .option('--threads <n>', 'DuckDB threads (output does not depend on it)')
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 1GB')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the manifest as JSON instead of a summary')
    .action(async (flags) => {
      const options = parseGenerateOptions({ ...flags, out: resolve(flags.out) });
      const bar = new ProgressLine();
      const manifest = await generate(options, {
        onProgress: (p) => bar.update(p.phase, p.total ? p.done / p.total : 0, p.message ?? `${Math.floor(p.done)}/${p.total}`),
      });
      bar.done();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
        return;
      }
      const rows = (d: string) => (manifest.datasets[d]?.rows ?? 0).toLocaleString('en-US');
      console.log(`${color.green('✔')} batch ${manifest.options.batch} (as of ${manifest.as_of}) in ${manifest.seconds}s → ${options.out}`);
      console.log(`  members ${rows('members')}, providers ${rows('providers')}, claims ${rows('claims')}`);
      if (manifest.defects.total) {
        const kinds = Object.entries(manifest.defects.by_kind).map(([k, n]) => `${k} ${n}`).join(', ');
        console.log(`  ${color.yellow(`${manifest.defects.total} injected defects`)} (${kinds}); ground truth in ${manifest.defects.ground_truth}`);
      }
      console.log(`  manifest: ${resolve(options.out, 'manifest.json')}`);
    });
}
