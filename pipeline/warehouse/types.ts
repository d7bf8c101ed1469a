import type { CuratedManifest } from '../cleanse/types.ts';
import type { Lake } from '../lake/types.ts';

export interface LoadedDataset {
  dataset: string;
  rows: number;
  quarantined: number;
  duplicates: number;
}

export interface LoadResult {
  batch: number;
  /** false when the warehouse already held exactly this commit of the batch */
  loaded: boolean;
  datasets: LoadedDataset[];
  loadedAt: string;
  /** the warehouse's ids of the load's statements, where it reports them (Snowflake) */
  queries?: Array<{ statement: string; queryId: string }>;
}

export interface BatchAudit {
  batch_id: number;
  dataset: string;
  txn: string;
  raw_rows: number;
  duplicates_removed: number;
  quarantined_rows: number;
  curated_rows: number;
  loaded_rows: number;
  loaded_at: string;
}

export interface LoadRequest {
  batch: number;
  manifest: CuratedManifest;
  lake: Lake;
  force?: boolean;
  signal?: AbortSignal;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Work an earlier attempt started elsewhere and recorded (a Glue run id): adopt it, never start it twice. */
  recorded?: Record<string, unknown> | null;
  /** Records work started elsewhere, durably, before waiting on it. */
  record?: (facts: Record<string, unknown>) => Promise<void>;
}

/** The warehouse: DuckDB locally, Snowflake in the cloud. Loads curated batches into `raw`. */
export interface Warehouse {
  readonly name: string;
  /** where it is (file path or account/database) */
  readonly location: string;
  /** Loads one committed batch; replaces that batch's rows if it was loaded before. */
  loadBatch(req: LoadRequest): Promise<LoadResult>;
  /** Rows per dataset and batch as the warehouse holds them, with the audit record of each load. */
  audit(batch?: number): Promise<BatchAudit[]>;
  /** Rows of a dataset for one batch, counted in the loaded table itself. */
  countRows(dataset: string, batch: number): Promise<number>;
  /** Latest load time per dataset. */
  freshness(): Promise<Array<{ dataset: string; latest_loaded_at: string | null }>>;
  close(): Promise<void>;
}
