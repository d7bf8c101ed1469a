import type { RunRecord, RunStatus, StageStatus } from '../orchestrator/types.ts';
import type { VerifyReport } from '../verify/reconcile.ts';

/** The one machine-readable summary of a run (`claims run --json`, report.json). */
export interface RunSummary {
  run_id: string;
  status: RunStatus;
  profile: string;
  batch: number;
  seconds: number | null;
  /** noop: the stage found its work already done and changed nothing (its summary says what it found) */
  stages: Array<{ name: string; status: StageStatus; seconds: number | null; attempts: number; summary?: string; noop?: boolean; error?: string }>;
  /** zone -> dataset -> rows */
  rows: Record<string, Record<string, number>>;
  /** dataset -> reason -> rows */
  quarantine: Record<string, Record<string, number>>;
  reconciliation?: VerifyReport['reconciliation'];
  warehouse: string;
  error?: string;
}

export function runSummary(record: RunRecord, warehouse: string): RunSummary {
  const rows: Record<string, Record<string, number>> = {};
  const add = (zone: string, dataset: string, n: number) => {
    rows[zone] ??= {};
    rows[zone][dataset] = n;
  };
  let quarantine: Record<string, Record<string, number>> = {};
  let reconciliation: VerifyReport['reconciliation'] | undefined;
  for (const s of record.stages) {
    if (s.status !== 'succeeded' || !s.result) continue;
    for (const [key, n] of Object.entries(s.result.rows ?? {})) {
      const [zone, dataset] = key.includes('.') ? key.split('.', 2) : [s.name === 'generate' ? 'generated' : s.name === 'ingest' ? 'raw' : s.name, key];
      add(zone!, dataset!, n);
    }
    if (s.name === 'cleanse') quarantine = (s.result.outputs?.quarantine as Record<string, Record<string, number>>) ?? {};
    if (s.name === 'verify') reconciliation = (s.result.outputs?.report as VerifyReport | undefined)?.reconciliation;
  }
  return {
    run_id: record.runId,
    status: record.status,
    profile: record.profile,
    batch: record.batch,
    seconds: record.seconds,
    stages: record.stages.map((s) => ({ name: s.name, status: s.status, seconds: s.seconds, attempts: s.attempts, summary: s.result?.summary, ...(s.result?.noop ? { noop: true } : {}), error: s.error?.message })),
    rows,
    quarantine,
    reconciliation,
    warehouse,
    error: record.error?.message,
  };
}
