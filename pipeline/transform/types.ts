/** One node of a dbt build as the run record keeps it. */
export interface DbtNodeResult {
  unique_id: string;
  name: string;
  resource_type: 'model' | 'test' | 'snapshot' | 'seed' | 'source' | 'unit_test' | string;
  status: string; // success, error, skipped, pass, fail, warn
  seconds: number;
  message?: string | null;
  /** tests: failing row count */
  failures?: number | null;
  /** tests: error or warn */
  severity?: string;
  /** the warehouse's id of the node's last statement, where the adapter reports one (Snowflake) */
  query_id?: string;
}

export interface TransformResult {
  target: string;
  success: boolean;
  seconds: number;
  nodes: DbtNodeResult[];
  counts: Record<string, Record<string, number>>; // resource_type -> status -> n
  /** where the run's manifest.json and run_results.json were kept */
  artifacts: string;
}

/** What a build reports while it runs, in the stage's terms (the tool's own log format stays in its module). */
export type TransformEvent =
  /** nodes finished of the build's total, and what is running now */
  | { kind: 'progress'; done: number; total: number; message: string }
  /** a line worth keeping in the run's log: a node's result, a warning, an error */
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string; node?: { unique_id: string; status?: string; seconds?: number } };

/** The transformer's tool is not installed: trying again does not help. */
export class TransformerNotInstalledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformerNotInstalledError';
  }
}

export interface BuildRequest {
  signal?: AbortSignal;
  onEvent?: (e: TransformEvent) => void;
  artifactsDir: string;
  /**
   * An incremental build of this batch on top of earlier ones: row-level tests check the rows of
   * this batch (and later) only (dbt/macros/tests/get_where_subquery.sql). Absent: every row.
   */
  batchScope?: number;
}

/** The transform stage's engine: dbt against the profile's target. */
export interface Transformer {
  /** the target it builds (local, snowflake) */
  readonly target: string;
  build(req: BuildRequest): Promise<TransformResult>;
}
