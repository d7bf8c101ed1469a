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
  /** tests with store_failures: the table holding the failing rows */
  failures_relation?: string | null;
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

export interface TransformEvent {
  kind: 'node.started' | 'node.finished' | 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  node?: { unique_id: string; resource_type?: string; status?: string; seconds?: number };
  index?: number;
  total?: number;
}

/** The transform stage's engine: dbt against the profile's target. */
export interface Transformer {
  build(req: { signal?: AbortSignal; onEvent?: (e: TransformEvent) => void; artifactsDir: string }): Promise<TransformResult>;
}
