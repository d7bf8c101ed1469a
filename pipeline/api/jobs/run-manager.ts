// Starting, cancelling, resuming and re-running pipeline runs from the app, through the run
// launcher (pipeline/run) as `claims run` uses it. Reading runs goes straight to the orchestrator's
// run store, so runs started from the CLI or a schedule show up too.

import { listRuns, loadRun, NoEventLogError, readEvents, RunNotFoundError } from '../../orchestrator/store.ts';
import { LakeBusyError } from '../../run/lake-lock.ts';
import { WorkspaceBusyError } from '../../run/lock.ts';
import type { RunEvent, RunRecord } from '../../orchestrator/types.ts';
import { isPipelineStage, type PipelineStage } from '../../stages/names.ts';
import { settleInterruptedRunsIfIdle, startPipelineRun, type StartRunOptions } from '../../run/index.ts';
import type { RunListRequest } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import type { EventHub } from './event-hub.ts';
import type { ReadSides } from '../read-models/read-sides.ts';
import { DbtWorker } from '../../transform/dbt-worker.ts';

/** Stages that open the warehouse for writing. */
const WRITERS: PipelineStage[] = ['load', 'transform', 'verify'];

export class RunManager {
  private active: { runId: string | null; controller: AbortController; done?: Promise<unknown> } | null = null;
  /** the app's dbt, kept between runs: a local transform skips dbt's start-up after the first */
  private readonly dbt = new DbtWorker();

  constructor(
    private readonly workspace: string,
    private readonly hub: EventHub,
    /** the app's readers: a run's writes need the warehouse they hold open */
    private readonly readers: ReadSides,
    private readonly onFinished: () => void,
  ) {}

  async start(opts: Omit<StartRunOptions, 'workspace' | 'trigger'>): Promise<{ runId: string }> {
    if (this.active) throw new ApiError('conflict', `A run is already going${this.active.runId ? ` (${this.active.runId})` : ''}.`, { hint: 'Wait for it to finish, or cancel it first.' });
    const controller = new AbortController();
    const active: { runId: string | null; controller: AbortController; done?: Promise<unknown> } = { runId: null, controller };
    this.active = active;
    const writes = !opts.stages || opts.stages.some((s) => WRITERS.includes(s));
    // The warehouse is let go before the run starts, so its load stage can take the write lock.
    const reading = writes ? await this.readers.built() : null;
    await reading?.warehouse.releaseForWriter('a pipeline run is writing to it');
    return new Promise((resolve, reject) => {
      let settled = false;
      const onEvent = (event: RunEvent) => {
        if (event.type === 'run.started' && !settled) {
          settled = true;
          active.runId = event.runId;
          resolve({ runId: event.runId });
        }
        this.hub.emit({ kind: 'run', event });
      };
      active.done = startPipelineRun({ ...opts, workspace: this.workspace, trigger: 'manual' }, { signal: controller.signal, onEvent, dbt: this.dbt })
        .then(({ record }) => {
          if (!settled) {
            settled = true;
            resolve({ runId: record.runId });
          }
        })
        .catch((err: unknown) => {
          if (!settled) {
            settled = true;
            // refused before the run existed: a busy workspace, a bad profile, a resume that cannot be
            reject(new ApiError(err instanceof WorkspaceBusyError || err instanceof LakeBusyError ? 'conflict' : 'invalid_request', (err as Error).message, { cause: err }));
          } else {
            console.error(`run ${active.runId}: ${(err as Error).message}`);
          }
        })
        .finally(() => {
          this.active = null;
          reading?.warehouse.resumeAfterWriter();
          this.onFinished();
          this.hub.emit({ kind: 'workspace.changed', what: 'runs' });
          this.hub.emit({ kind: 'workspace.changed', what: 'warehouse' });
        });
    });
  }

  async resume(runId: string): Promise<{ runId: string }> {
    const old = await this.load(runId);
    if (old.status !== 'failed' && old.status !== 'cancelled') {
      throw new ApiError('conflict', `Run ${runId} ${old.status === 'running' ? 'is still running' : 'succeeded'}; only failed or cancelled runs can be resumed.`, {
        hint: 'Start a new run instead.',
      });
    }
    const stages = old.stages.filter((s) => s.status !== 'skipped').map((s) => s.name).filter(isPipelineStage);
    const selection = stages.length === old.stages.length ? {} : { stages };
    const force = (old.options as { force?: unknown }).force === true;
    return this.start({ profile: old.profile, batch: old.batch, resumeRunId: runId, force, ...selection });
  }

  async rerunStage(runId: string, stage: PipelineStage): Promise<{ runId: string }> {
    const old = await this.load(runId);
    // rerunning means doing the work again, even where the stage would see it as already done
    return this.start({ profile: old.profile, batch: old.batch, stages: [stage], force: true });
  }

  cancel(runId: string): { cancelled: boolean } {
    if (!this.active || this.active.runId !== runId) return { cancelled: false };
    // the reason is what the run record and the stage's error say
    this.active.controller.abort(new Error('cancelled from the app'));
    return { cancelled: true };
  }

  activeRunId(): string | null {
    return this.active?.runId ?? null;
  }

  async list(req: RunListRequest): Promise<RunRecord[]> {
    if (!this.active) await settleInterruptedRunsIfIdle(this.workspace);
    const runs = await listRuns(this.workspace, req.status ? { status: req.status } : {});
    const matching = runs.filter((r) => (!req.trigger || r.trigger === req.trigger) && (!req.profile || r.profile === req.profile) && (req.batch === undefined || r.batch === req.batch));
    return matching.slice(0, req.limit ?? 200);
  }

  async get(runId: string): Promise<{ run: RunRecord; events: RunEvent[]; active: boolean }> {
    if (!this.active) await settleInterruptedRunsIfIdle(this.workspace);
    const run = await this.load(runId);
    let events: RunEvent[] = [];
    try {
      events = await readEvents(this.workspace, runId);
    } catch (err) {
      if (!(err instanceof NoEventLogError)) throw err;
    }
    return { run, events, active: this.active?.runId === runId };
  }

  private async load(runId: string): Promise<RunRecord> {
    try {
      return await loadRun(this.workspace, runId);
    } catch (err) {
      throw new ApiError(err instanceof RunNotFoundError ? 'not_found' : 'internal', (err as Error).message, { cause: err });
    }
  }

  /** Cancels the run going, waits (bounded) until it has recorded how it ended, and stops the app's dbt. */
  async close(waitMs = 30_000): Promise<void> {
    const active = this.active;
    if (active) {
      active.controller.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([active.done?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    await this.dbt.stop();
  }
}
