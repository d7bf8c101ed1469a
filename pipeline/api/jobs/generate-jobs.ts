// Generation started from the app: one job at a time, progress streamed as events, cancellable.
// The generator runs its SQL on DuckDB's own threads, so the process stays responsive meanwhile.

import { randomBytes } from 'node:crypto';
import { generate, type GenerateManifest, type GenerateProgress } from '../../generate/index.ts';
import { OptionError, parseGenerateOptions } from '../../generate/options.ts';
import type { GeneratedBatch, GenerateRequest } from '../protocol.ts';
import { ApiError, errorBody } from '../errors.ts';
import type { EventHub } from './event-hub.ts';
import { lockWorkspace } from '../../run/lock.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import { generatedBatchDirs, generatedManifest } from '../read-models/manifests.ts';

// Share of the whole job each phase takes, for one progress bar.
const PHASES: [GenerateProgress['phase'], number][] = [
  ['setup', 0.08],
  ['members', 0.04],
  ['providers', 0.03],
  ['claims', 0.75],
  ['ground_truth', 0.03],
  ['parquet', 0],
  ['checksums', 0.07],
];

function overallFraction(p: GenerateProgress): number {
  let before = 0;
  for (const [phase, weight] of PHASES) {
    if (phase === p.phase) return Math.min(1, before + weight * (p.total ? Math.min(1, p.done / p.total) : 0));
    before += weight;
  }
  return before;
}

const OPTION_FIELD: Record<string, string> = { 'dirty-rate': 'dirtyRate', 'rows-per-file': 'rowsPerFile' };

function batchSummary(dir: string, m: GenerateManifest): GeneratedBatch {
  const files = Object.values(m.datasets).flatMap((d) => d.files);
  return {
    batch: m.options.batch,
    dir,
    asOf: m.as_of,
    options: { seed: m.options.seed, members: m.options.members, providers: m.options.providers, claims: m.options.claims, batch: m.options.batch, dirtyRate: m.options.dirtyRate },
    rows: Object.fromEntries(Object.entries(m.datasets).map(([k, v]) => [k, v.rows])),
    files: files.length,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    defects: { total: m.defects.total, byKind: m.defects.by_kind },
    seconds: m.seconds,
  };
}

export class GenerateJobs {
  private active: { jobId: string; controller: AbortController } | null = null;

  constructor(
    private readonly layout: WorkspacePaths,
    private readonly hub: EventHub,
    private readonly onDone: () => void,
  ) {}

  async start(req: GenerateRequest): Promise<{ jobId: string; out: string }> {
    if (this.active) throw new ApiError('conflict', 'A batch is already being generated.', { hint: 'Wait for it to finish or cancel it.' });
    const out = this.layout.generated(req.batch);
    let options;
    try {
      options = parseGenerateOptions({ ...req, out });
    } catch (err) {
      if (err instanceof OptionError) {
        throw new ApiError('invalid_request', err.message, { details: [{ path: OPTION_FIELD[err.option] ?? err.option, message: err.message.replace(/^--[\w-]+: /, '') }] });
      }
      throw err;
    }
    // The workspace lock keeps a pipeline run (from here or the CLI) from using half-written files.
    let unlock: () => Promise<void>;
    try {
      unlock = await lockWorkspace(this.layout.root, 'generate', `claims ui: generating batch ${req.batch}`);
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message, { cause: err });
    }
    const jobId = randomBytes(6).toString('hex');
    const controller = new AbortController();
    this.active = { jobId, controller };
    const batch = req.batch;
    generate(options, {
      signal: controller.signal,
      onProgress: (p) => this.hub.emit({ kind: 'generate.progress', jobId, batch, phase: p.phase, fraction: overallFraction(p), ...(p.message ? { message: p.message } : {}) }),
    })
      .then((manifest) => this.hub.emit({ kind: 'generate.finished', jobId, batch, status: 'succeeded', result: batchSummary(out, manifest) }))
      .catch((err: unknown) =>
        this.hub.emit({ kind: 'generate.finished', jobId, batch, status: controller.signal.aborted ? 'cancelled' : 'failed', ...(controller.signal.aborted ? {} : { error: errorBody(err) }) }),
      )
      .finally(async () => {
        await unlock();
        this.active = null;
        this.onDone();
        this.hub.emit({ kind: 'workspace.changed', what: 'datasets' });
      });
    return { jobId, out };
  }

  cancel(jobId: string): { cancelled: boolean } {
    if (this.active?.jobId !== jobId) return { cancelled: false };
    this.active.controller.abort();
    return { cancelled: true };
  }

  get running(): boolean {
    return this.active !== null;
  }

  /** Batches with a manifest, i.e. generated to the end. */
  batches(): GeneratedBatch[] {
    return generatedBatchDirs(this.layout).flatMap((batch) => {
      const manifest = generatedManifest(this.layout, batch);
      return manifest ? [batchSummary(this.layout.generated(batch), manifest)] : [];
    });
  }

  close(): void {
    this.active?.controller.abort();
  }
}
