import type { QuarantineReason } from '../contract-loader/types.ts';
import type { Lake } from '../lake/types.ts';

export interface CleanseProgress {
  dataset: string;
  step: string;
  fraction: number;
}

export interface CleanseRequest {
  batch: number;
  lake: Lake;
  signal?: AbortSignal;
  onProgress?: (p: CleanseProgress) => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Work an earlier attempt started elsewhere and recorded (a Glue run id): adopt it, never start it twice. */
  recorded?: Record<string, unknown> | null;
  /** Records work started elsewhere, durably, before waiting on it. */
  record?: (facts: Record<string, unknown>) => Promise<void>;
}

/** The cleanse stage's engine: DuckDB locally, the Glue job in the cloud; both read the contracts. */
export interface CleanseEngine {
  readonly name: string;
  /** Cleanses one landed batch and commits it; returns the curated manifest it committed. */
  cleanse(request: CleanseRequest): Promise<CuratedManifest>;
}

/** The curated manifest: what a committed batch holds. Readers use it instead of listing files. */
export interface CuratedManifest {
  batch: number;
  txn: string;
  /** landed_at of the raw manifest this batch was cleansed from */
  raw_landed_at: string;
  committed_at: string;
  engine: string;
  datasets: Record<
    string,
    {
      raw_rows: number;
      curated_rows: number;
      quarantined_rows: number;
      duplicates_removed: number;
      quarantine_by_reason: Partial<Record<QuarantineReason, number>>;
      files: string[];
      quarantine_files: string[];
      duplicate_files: string[];
    }
  >;
}
