export type OutputFormat = 'csv' | 'parquet' | 'both';

export interface GenerateOptions {
  seed: number;
  members: number;
  providers: number;
  claims: number;
  batch: number;
  dirtyRate: number;
  format: OutputFormat;
  out: string;
  /** claims rows per CSV file (the file is split on claim boundaries) */
  rowsPerFile: number;
  /** DuckDB worker threads; output is identical for any value */
  threads?: number;
  /** DuckDB memory limit while generating */
  memoryLimit?: string;
}

/**
 * The default world, the one source of generator defaults: `claims generate`, the built-in local
 * profile and the app's Generate view all start from it. A little dirty, so the quarantine has
 * something to show; Parquet output is always clean (defects have no typed form).
 */
export const GENERATE_DEFAULTS = {
  seed: 42,
  members: 2_000,
  providers: 200,
  claims: 20_000,
  batch: 1,
  dirtyRate: 0.01,
  format: 'csv' as OutputFormat,
  rowsPerFile: 2_000_000,
};

export const MAX_BATCH = 36;
export const MAX_MEMBERS = 50_000_000;
export const MAX_PROVIDERS = 5_000_000;
export const MAX_CLAIMS = 500_000_000;

export class OptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`--${option}: ${message}`);
    this.name = 'OptionError';
  }
}

function integerIn(option: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new OptionError(option, `expected a whole number, got "${String(value)}"`);
  if (n < min || n > max) throw new OptionError(option, `must be between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}, got ${n}`);
  return n;
}

/** Validates raw option values (from the CLI, a profile or the API) into GenerateOptions. */
export function parseGenerateOptions(raw: Record<string, unknown>): GenerateOptions {
  const seed = integerIn('seed', raw.seed ?? GENERATE_DEFAULTS.seed, 0, 2 ** 31 - 1);
  const members = integerIn('members', raw.members ?? GENERATE_DEFAULTS.members, 10, MAX_MEMBERS);
  const providers = integerIn('providers', raw.providers ?? GENERATE_DEFAULTS.providers, 50, MAX_PROVIDERS);
  const claims = integerIn('claims', raw.claims ?? GENERATE_DEFAULTS.claims, 0, MAX_CLAIMS);
  const batch = integerIn('batch', raw.batch ?? GENERATE_DEFAULTS.batch, 1, MAX_BATCH);
  const format = raw.format ?? GENERATE_DEFAULTS.format;
  const rateRaw = raw.dirtyRate ?? (format === 'csv' ? GENERATE_DEFAULTS.dirtyRate : 0);
  const dirtyRate = typeof rateRaw === 'string' && rateRaw.trim() !== '' ? Number(rateRaw) : rateRaw;
  if (typeof dirtyRate !== 'number' || !Number.isFinite(dirtyRate) || dirtyRate < 0 || dirtyRate > 1) {
    throw new OptionError('dirty-rate', `expected a number from 0 to 1 (share of rows with a defect), got "${String(rateRaw)}"`);
  }
  if (format !== 'csv' && format !== 'parquet' && format !== 'both') {
    throw new OptionError('format', `must be one of csv, parquet, both; got "${String(format)}"`);
  }
  if (dirtyRate > 0 && format !== 'csv') {
    throw new OptionError('format', 'dirty data is written as CSV only: defects such as truncated rows or non-numeric amounts have no typed Parquet form. Use --format csv with --dirty-rate.');
  }
  if (typeof raw.out !== 'string' || raw.out.trim() === '') throw new OptionError('out', 'an output directory is required');
  const rowsPerFile = integerIn('rows-per-file', raw.rowsPerFile ?? GENERATE_DEFAULTS.rowsPerFile, 1_000, 100_000_000);
  const threads = raw.threads === undefined ? undefined : integerIn('threads', raw.threads, 1, 256);
  const memoryLimit = raw.memoryLimit === undefined ? undefined : String(raw.memoryLimit);
  if (memoryLimit !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new OptionError('memory-limit', `expected a size such as 1GB or 512MB, got "${memoryLimit}"`);
  }
  return { seed, members, providers, claims, batch, dirtyRate, format, rowsPerFile, out: raw.out, threads, memoryLimit };
}
