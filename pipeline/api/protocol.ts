// The service API shared by the Electron IPC bridge, the HTTP/WebSocket server and the renderer:
// one map from method name to request and response types, plus the server-pushed events.
// Types only (the renderer imports this file too); the JSON schemas are in schemas.ts.

import type { GenerateOptions } from '../generate/options.ts';
import type { LogLevel, RunEvent, RunRecord, RunStatus, RunTrigger, StageName } from '../orchestrator/types.ts';

export type { LogLevel, RunEvent, RunRecord, RunStatus, RunTrigger, StageName };

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// ─── shared shapes ──────────────────────────────────────────────────────────────────────────────

/** Where a dataset lives: files the generator wrote, the lake zones (duplicates are kept beside the quarantine), or a warehouse table. */
export type DatasetSource = 'generated' | 'raw' | 'curated' | 'quarantine' | 'duplicates' | 'warehouse';

export interface DatasetRef {
  source: DatasetSource;
  /** members/providers/claims for file sources; "schema.table" for the warehouse */
  name: string;
  /** generated and raw files are per batch; curated, quarantine and warehouse cover every batch */
  batch?: number;
}

export interface DatasetEntry {
  ref: DatasetRef;
  label: string;
  /** rows when known without scanning (manifests, warehouse statistics), else null */
  rows: number | null;
  files: number | null;
  description?: string;
}

export interface ColumnInfo {
  name: string;
  /** DuckDB type of the column as read */
  type: string;
  /** The contract type, when the dataset has a contract (files are read as text to show raw values). */
  contractType?: string;
  description?: string;
}

export type FilterOp = 'eq' | 'neq' | 'contains' | 'starts' | 'gt' | 'gte' | 'lt' | 'lte' | 'null' | 'notnull';

export interface Filter {
  column: string;
  op: FilterOp;
  value?: string | number | boolean;
}

export interface SortKey {
  column: string;
  dir: 'asc' | 'desc';
}

export interface PageRequest {
  ref: DatasetRef;
  offset: number;
  limit: number;
  sort?: SortKey[];
  filters?: Filter[];
}

export interface PageResult {
  columns: ColumnInfo[];
  rows: Json[][];
  offset: number;
  total: number;
  /** time spent in DuckDB for this page and its count */
  ms: number;
}

export interface ColumnProfile {
  column: string;
  type: string;
  contractType?: string;
  rows: number;
  nulls: number;
  distinct: number;
  /** values present but not readable as the contract type (raw files are read as text) */
  unparseable: number;
  min: Json;
  max: Json;
  top: { value: Json; count: number }[];
  histogram: { from: Json; to: Json; count: number }[] | null;
  /** the histogram was drawn from a sample (large datasets); every other figure is exact */
  histogramSampled: boolean;
  ms: number;
}

export interface ApiErrorBody {
  code: 'invalid_request' | 'not_found' | 'unavailable' | 'conflict' | 'sql_error' | 'unauthorized' | 'internal';
  message: string;
  hint?: string;
  /** one entry per invalid field, with its key path */
  details?: { path: string; message: string }[];
  /** for SQL errors: where in the statement (1-based line and column, 0-based offset) */
  position?: { line: number; column: number; offset: number };
}

export type Availability = { available: true } | { available: false; reason: string; hint?: string };

// ─── app ────────────────────────────────────────────────────────────────────────────────────────

export interface GenerateLimits {
  defaults: GenerateRequest;
  maxBatch: number;
  maxMembers: number;
  maxProviders: number;
  maxClaims: number;
}

export interface AppInfo {
  version: string;
  workspace: string;
  stages: StageName[];
  activeProfile: string;
  generate: GenerateLimits;
  capabilities: {
    warehouse: Availability;
    dbtArtifacts: Availability;
  };
}

// ─── generate ───────────────────────────────────────────────────────────────────────────────────

/** The generator's own options that the app chooses; the output folder and format are the service's. */
export type GenerateRequest = Pick<GenerateOptions, 'seed' | 'members' | 'providers' | 'claims' | 'batch' | 'dirtyRate'>;

export interface GeneratedBatch {
  batch: number;
  dir: string;
  asOf: string;
  options: GenerateRequest;
  rows: Record<string, number>;
  files: number;
  bytes: number;
  defects: { total: number; byKind: Record<string, number> };
  seconds: number;
}

export type GeneratePhase = 'setup' | 'members' | 'providers' | 'claims' | 'ground_truth' | 'parquet' | 'checksums';

// ─── runs ───────────────────────────────────────────────────────────────────────────────────────

export interface RunListRequest {
  status?: RunStatus;
  trigger?: RunTrigger;
  profile?: string;
  batch?: number;
  limit?: number;
}

// ─── profiles ───────────────────────────────────────────────────────────────────────────────────

export interface ProfileSummary {
  name: string;
  builtIn: boolean;
  /** e.g. "local"; cloud profiles are not offered until the cloud stages exist */
  kind: string;
  description?: string;
}

export interface ProfileList {
  active: string;
  profiles: ProfileSummary[];
  editing: Availability;
}

export interface ProfileProblem {
  path: string;
  message: string;
}

// ─── lineage ────────────────────────────────────────────────────────────────────────────────────

export type LineageKind = 'source' | 'seed' | 'model' | 'snapshot' | 'test';
export type LineageLayer = 'source' | 'seed' | 'staging' | 'intermediate' | 'core' | 'marts' | 'snapshots' | 'tests' | 'other';

export interface LineageNode {
  id: string;
  name: string;
  kind: LineageKind;
  layer: LineageLayer;
  relation: string | null;
  materialized: string | null;
  tests: number;
  /** last status in run_results.json (success, error, fail, pass, warn, skipped) */
  status: string | null;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
  generatedAt: string | null;
  runAt: string | null;
}

export interface LineageTestResult {
  id: string;
  name: string;
  column: string | null;
  status: string | null;
  failures: number | null;
  message: string | null;
  /** warehouse table with the failing rows (dbt store_failures), when it exists */
  failuresRelation: string | null;
}

export interface LineageNodeDetail extends LineageNode {
  description: string;
  path: string | null;
  columns: { name: string; type: string | null; description: string }[];
  sql: string | null;
  compiledSql: string | null;
  tests: number;
  testResults: LineageTestResult[];
  lastRun: { status: string; at: string | null; seconds: number | null; message: string | null; rows: number | null } | null;
  parents: string[];
  children: string[];
}

// ─── quality ────────────────────────────────────────────────────────────────────────────────────

export interface QualityOverview {
  quarantine: Availability & { rows?: { dataset: string; reason: string; batch: number; rows: number }[] };
  reconciliation: Availability & {
    rows?: {
      batch: number;
      dataset: string;
      rawRows: number;
      duplicatesRemoved: number;
      quarantinedRows: number;
      curatedRows: number;
      loadedRows: number;
      loadedAt: string | null;
      balanced: boolean;
    }[];
  };
  tests: Availability & { runAt?: string | null; results?: LineageTestResult[] };
  freshness: Availability & { rows?: { table: string; latestLoad: string | null; latestRecord: string | null; rows: number }[] };
}

// ─── analytics ──────────────────────────────────────────────────────────────────────────────────

export interface AnalyticsFilter {
  from?: string;
  to?: string;
  plan?: string;
}

export interface KpiSet {
  claims: number;
  billed: number;
  allowed: number;
  paid: number;
  memberMonths: number;
  pmpm: number | null;
  denialRate: number | null;
  medianTurnaroundDays: number | null;
}

export type Widget<T> = ({ available: true } & T) | { available: false; reason: string };

export interface Breakdown {
  label: string;
  claims: number;
  billed: number;
  allowed: number;
  paid: number;
  denialRate: number | null;
}

export interface Dashboard {
  filter: AnalyticsFilter;
  kpis: Widget<{ values: KpiSet }>;
  trend: Widget<{ rows: { month: string; claims: number; billed: number; allowed: number; paid: number; memberMonths: number; pmpm: number | null }[] }>;
  byPlan: Widget<{ rows: Breakdown[] }>;
  byLineOfBusiness: Widget<{ rows: Breakdown[] }>;
  bySpecialty: Widget<{ rows: Breakdown[] }>;
  byNetwork: Widget<{ rows: Breakdown[] }>;
  providerRisk: Widget<{ columns: ColumnInfo[]; rows: Json[][] }>;
  highCostClaimants: Widget<{ rows: { memberId: string; plan: string | null; claims: number; paid: number; allowed: number }[] }>;
  /** wall time of the whole dashboard, and of each widget (widgets run side by side) */
  ms: number;
  widgetMs: Record<string, number>;
}

export interface AnalyticsOptions {
  plans: { id: string; name: string }[];
  minDate: string | null;
  maxDate: string | null;
}

// ─── history ────────────────────────────────────────────────────────────────────────────────────

export type HistoryEntity = 'member' | 'provider';

export interface HistoryVersion {
  batch: number | null;
  validFrom: string | null;
  validTo: string | null;
  isCurrent: boolean;
  values: Record<string, Json>;
  changed: { column: string; from: Json; to: Json }[];
}

export interface HistoryTimeline {
  entity: HistoryEntity;
  id: string;
  table: string;
  tracked: string[];
  versions: HistoryVersion[];
}

// ─── sql ────────────────────────────────────────────────────────────────────────────────────────

export interface SqlResult {
  columns: ColumnInfo[];
  rows: Json[][];
  /** reading stopped before the end of the result */
  truncated: boolean;
  /** which cap stopped it: the row cap, or the byte cap (a long text is then cut, ending with …) */
  cutBy: 'rows' | 'bytes' | null;
  limit: number;
  byteCap: number;
  ms: number;
}

// ─── the method map ─────────────────────────────────────────────────────────────────────────────

export interface ApiMethods {
  'app.info': { req: Record<string, never>; res: AppInfo };
  'generate.start': { req: GenerateRequest; res: { jobId: string; out: string } };
  'generate.cancel': { req: { jobId: string }; res: { cancelled: boolean } };
  'generate.batches': { req: Record<string, never>; res: GeneratedBatch[] };
  'datasets.list': { req: Record<string, never>; res: DatasetEntry[] };
  'datasets.page': { req: PageRequest; res: PageResult };
  'datasets.profile': { req: { ref: DatasetRef; column: string; filters?: Filter[] }; res: ColumnProfile };
  /** force: redo stages even where the batch already went through them (replaces what was landed) */
  'runs.start': { req: { batch: number; stages?: StageName[]; profile?: string; force?: boolean }; res: { runId: string } };
  'runs.resume': { req: { runId: string }; res: { runId: string } };
  'runs.rerunStage': { req: { runId: string; stage: StageName }; res: { runId: string } };
  'runs.cancel': { req: { runId: string }; res: { cancelled: boolean } };
  'runs.list': { req: RunListRequest; res: RunRecord[] };
  'runs.get': { req: { runId: string }; res: { run: RunRecord; events: RunEvent[]; active: boolean } };
  'profiles.list': { req: Record<string, never>; res: ProfileList };
  'profiles.get': { req: { name: string }; res: { name: string; builtIn: boolean; profile: Record<string, Json> } };
  'profiles.validate': { req: { name: string; profile: Record<string, Json> }; res: { problems: ProfileProblem[] } };
  'profiles.save': { req: { name: string; profile: Record<string, Json> }; res: { saved: boolean; problems: ProfileProblem[] } };
  'profiles.activate': { req: { name: string }; res: { active: string } };
  'lineage.graph': { req: Record<string, never>; res: Widget<LineageGraph> };
  'lineage.node': { req: { id: string }; res: LineageNodeDetail };
  'quality.overview': { req: Record<string, never>; res: QualityOverview };
  'analytics.options': { req: Record<string, never>; res: Widget<AnalyticsOptions> };
  'analytics.dashboard': { req: AnalyticsFilter; res: Dashboard };
  'history.search': { req: { entity: HistoryEntity; query: string }; res: Widget<{ matches: { id: string; label: string; versions: number }[] }> };
  'history.timeline': { req: { entity: HistoryEntity; id: string }; res: HistoryTimeline };
  /** explain: the plan of the SELECT instead of its rows (never EXPLAIN ANALYZE) */
  'sql.query': { req: { sql: string; limit?: number; explain?: boolean }; res: SqlResult };
}

export type ApiMethod = keyof ApiMethods;
export type ApiRequest<M extends ApiMethod> = ApiMethods[M]['req'];
export type ApiResponse<M extends ApiMethod> = ApiMethods[M]['res'];

export type CallResult<M extends ApiMethod> = { ok: true; result: ApiResponse<M> } | { ok: false; error: ApiErrorBody };

// ─── events pushed to subscribers ───────────────────────────────────────────────────────────────

export type ServerEvent =
  | { kind: 'run'; event: RunEvent }
  | { kind: 'generate.progress'; jobId: string; batch: number; phase: GeneratePhase; fraction: number; message?: string }
  | {
      kind: 'generate.finished';
      jobId: string;
      batch: number;
      status: 'succeeded' | 'failed' | 'cancelled';
      result?: GeneratedBatch;
      error?: ApiErrorBody;
    }
  | { kind: 'workspace.changed'; what: 'datasets' | 'runs' | 'profiles' | 'warehouse' };

/** Events travel in batches: a run can emit hundreds a second and the UI repaints once per batch. */
export type EventBatch = ServerEvent[];
