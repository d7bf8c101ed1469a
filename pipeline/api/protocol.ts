// The service API shared by the Electron IPC bridge, the HTTP/WebSocket server and the renderer:
// one map from method name to request and response types, plus the server-pushed events.
// Types only (the renderer imports this file too). Requests are the static types of their JSON
// Schemas (requests.ts); responses are written here.

import type { Static } from '@sinclair/typebox';
import type { LogLevel, RunEvent, RunRecord, RunStatus, RunTrigger } from '../orchestrator/types.ts';
import type { PipelineStage } from '../stages/names.ts';
import type { ColumnInfo, ColumnProfile, Filter, FilterOp, Json, SortKey } from '../warehouse/reader.ts';
import type { AnalyticsFilterSchema, DATASET_SOURCES, DatasetRefSchema, GenerateRequestSchema, PageRequestSchema, Requests, RunListRequestSchema } from './requests.ts';

export type { LogLevel, RunEvent, RunRecord, RunStatus, RunTrigger };
/** The API speaks of the pipeline's stages. */
export type StageName = PipelineStage;

export type { ColumnInfo, ColumnProfile, Filter, FilterOp, Json, SortKey };

// ─── shared shapes ──────────────────────────────────────────────────────────────────────────────

/** Where a dataset lives: files the generator wrote, the lake zones (duplicates are kept beside the quarantine), or a warehouse table. */
export type DatasetSource = (typeof DATASET_SOURCES)[number];
export type DatasetRef = Static<typeof DatasetRefSchema>;
export type PageRequest = Static<typeof PageRequestSchema>;

export interface DatasetEntry {
  ref: DatasetRef;
  label: string;
  /** rows when known without scanning (manifests, warehouse statistics), else null */
  rows: number | null;
  files: number | null;
  description?: string;
}

export interface PageResult {
  columns: ColumnInfo[];
  rows: Json[][];
  offset: number;
  total: number;
  /** time spent in DuckDB for this page and its count */
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
  /** where the active profile's stages run: local (this machine) or aws (S3, Glue, Snowflake) */
  activeProfileKind: 'local' | 'aws';
  generate: GenerateLimits;
  capabilities: {
    warehouse: Availability;
    dbtArtifacts: Availability;
  };
}

// ─── generate ───────────────────────────────────────────────────────────────────────────────────

/** The generator's own options that the app chooses; the output folder and format are the service's. */
export type GenerateRequest = Static<typeof GenerateRequestSchema>;

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

export type RunListRequest = Static<typeof RunListRequestSchema>;

// ─── profiles ───────────────────────────────────────────────────────────────────────────────────

export interface ProfileSummary {
  name: string;
  builtIn: boolean;
  /** the profile's kind: where its stages run ("local") */
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

/** An OS keychain entry: what the profile names, never what it holds. */
export interface KeychainRef {
  service: string;
  account: string;
}

// ─── cloud: check and deploy ────────────────────────────────────────────────────────────────────

/** One prerequisite of a profile of kind aws (claims check's line). */
export interface CheckLine {
  name: string;
  status: 'pass' | 'fail' | 'not_emulated' | 'skipped';
  detail: string;
  fix?: string;
}

/** claims deploy's plan as the app shows it: what exists, what is created or updated, and why. */
export interface DeployPlanView {
  planId: string;
  profile: string;
  emulated: boolean;
  region: string;
  bucket: string;
  /** whether applying it changes anything */
  changes: boolean;
  /** prerequisites only an administrator makes, missing on a real account: the plan cannot be applied */
  blockers: { kind: string; name: string; detail: string }[];
  account: { kind: 'bucket' | 'role'; name: string; state: 'exists' | 'create' | 'missing'; detail: string }[];
  code: { job: string; version: string; prefix: string; files: { name: string; uri: string; bytes: number; state: 'upload' | 'exists' }[] }[];
  jobs: {
    job: string;
    name: string;
    state: 'create' | 'update' | 'unchanged';
    version: string;
    deployedVersion: string | null;
    changes: { field: string; have: string; want: string }[];
    /** every setting with its value and where it comes from: job.json (the defaults), the profile, or deploy itself */
    settings: { field: string; value: string | number; source: 'job.json' | 'profile' | 'deploy' }[];
  }[];
  secret: { id: string; state: 'create' | 'update' | 'unchanged' };
  snowflake: { location: string; emulated: boolean; items: { kind: string; name: string; state: string; detail?: string; statements: string[] }[] };
  /** the plan as claims deploy prints it */
  lines: string[];
}

export interface DeployStep {
  what: string;
  done: string;
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
  /** the run kept the test's compiled SQL: its failing rows can be read on demand (quality.failingRows) */
  failingRows: boolean;
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

/** What a dbt test's query returns against the warehouse as it is now, cut at a row limit. */
export interface FailingRows extends SqlResult {
  test: string;
  /** the test's compiled SQL as the last run wrote it */
  sql: string;
}

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
  /** claims incurred outside their member's coverage (marts.mart_claims_outside_eligibility): what PMPM leaves out */
  outsideEligibility: Availability & { claims?: number; paid?: number; ofClaims?: number; ofPaid?: number };
}

// ─── analytics ──────────────────────────────────────────────────────────────────────────────────

export type AnalyticsFilter = Static<typeof AnalyticsFilterSchema>;

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

// ─── compare ────────────────────────────────────────────────────────────────────────────────────

/** One profile's side of a comparison: the run of the batch it is read from. */
export interface CompareSide {
  profile: string;
  kind: 'local' | 'aws';
  runId: string;
  startedAt: string;
  seconds: number | null;
}

/** A figure on both sides. agrees: null when one side has no such figure; diff: right minus left. */
export interface CompareRow {
  key: string;
  label: string;
  values: [number | null, number | null];
  diff: number | null;
  agrees: boolean | null;
}

export interface ProfileComparison {
  batch: number;
  /** batches with a finished run on two profiles or more, newest first */
  batches: number[];
  /** profiles with a finished run of this batch */
  profiles: string[];
  sides: [CompareSide, CompareSide];
  /** rows per zone and dataset, as each run recorded them */
  counts: CompareRow[];
  /** verify's reconciliation per dataset: each side balanced, and the figures side by side */
  reconciliation: { dataset: string; balanced: [boolean | null, boolean | null]; rows: CompareRow[]; agrees: boolean }[];
  /** the claims KPIs read from each profile's warehouse now (every batch it holds) */
  kpis: { rows: CompareRow[]; unavailable: { profile: string; reason: string }[] };
  /** times are expected to differ: shown side by side, never counted as a disagreement */
  stages: { stage: string; status: [string | null, string | null]; seconds: [number | null, number | null]; noop: [boolean, boolean] }[];
  agree: boolean;
  /** the verdict in one line */
  summary: string;
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

// ─── pii ────────────────────────────────────────────────────────────────────────────────────────

/** Whether the calling session sees PII in clear; masked is the default of every session. */
export interface PiiStatus {
  revealed: boolean;
  /** the contract's masked columns (tags direct and quasi) and how a masked value shows */
  columns: { name: string; tag: 'direct' | 'quasi'; shown: 'pseudonym' | 'hidden' | 'year' | 'zip3' }[];
  /** bookkeeping columns holding whole source rows, masked field by field */
  rowColumns: string[];
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
  'app.info': { req: Requests['app.info']; res: AppInfo };
  'generate.start': { req: Requests['generate.start']; res: { jobId: string; out: string } };
  'generate.cancel': { req: Requests['generate.cancel']; res: { cancelled: boolean } };
  'generate.batches': { req: Requests['generate.batches']; res: GeneratedBatch[] };
  'datasets.list': { req: Requests['datasets.list']; res: DatasetEntry[] };
  'datasets.page': { req: Requests['datasets.page']; res: PageResult };
  'datasets.profile': { req: Requests['datasets.profile']; res: ColumnProfile };
  /** force: redo stages even where the batch already went through them (replaces what was landed) */
  'runs.start': { req: Requests['runs.start']; res: { runId: string } };
  'runs.resume': { req: Requests['runs.resume']; res: { runId: string } };
  'runs.rerunStage': { req: Requests['runs.rerunStage']; res: { runId: string } };
  'runs.cancel': { req: Requests['runs.cancel']; res: { cancelled: boolean } };
  'runs.list': { req: Requests['runs.list']; res: RunRecord[] };
  'runs.get': { req: Requests['runs.get']; res: { run: RunRecord; events: RunEvent[]; active: boolean } };
  'profiles.list': { req: Requests['profiles.list']; res: ProfileList };
  'profiles.get': { req: Requests['profiles.get']; res: { name: string; builtIn: boolean; profile: Record<string, Json> } };
  'profiles.validate': { req: Requests['profiles.validate']; res: { problems: ProfileProblem[] } };
  'profiles.save': { req: Requests['profiles.save']; res: { saved: boolean; problems: ProfileProblem[] } };
  'profiles.activate': { req: Requests['profiles.activate']; res: { active: string } };
  'profiles.template': { req: Requests['profiles.template']; res: { profile: Record<string, Json> } };
  'profiles.keychain': { req: Requests['profiles.keychain']; res: Availability };
  'profiles.storeSecret': { req: Requests['profiles.storeSecret']; res: { stored: true; keychain: KeychainRef } };
  'deploy.check': { req: Requests['deploy.check']; res: { jobId: string; profile: string } };
  'deploy.plan': { req: Requests['deploy.plan']; res: DeployPlanView };
  'deploy.apply': { req: Requests['deploy.apply']; res: { jobId: string; profile: string } };
  'lineage.graph': { req: Requests['lineage.graph']; res: Widget<LineageGraph> };
  'lineage.node': { req: Requests['lineage.node']; res: LineageNodeDetail };
  'quality.overview': { req: Requests['quality.overview']; res: QualityOverview };
  /** a dbt test's failing rows now: its compiled SQL from the last run, read through the warehouse reader */
  'quality.failingRows': { req: Requests['quality.failingRows']; res: FailingRows };
  'analytics.options': { req: Requests['analytics.options']; res: Widget<AnalyticsOptions> };
  'analytics.dashboard': { req: Requests['analytics.dashboard']; res: Dashboard };
  /** the runs of one batch on two profiles side by side (default: the newest batch run on two, local beside aws) */
  'compare.runs': { req: Requests['compare.runs']; res: Widget<ProfileComparison> };
  'history.search': { req: Requests['history.search']; res: Widget<{ matches: { id: string; label: string; versions: number }[] }> };
  'history.timeline': { req: Requests['history.timeline']; res: HistoryTimeline };
  'pii.status': { req: Requests['pii.status']; res: PiiStatus };
  'pii.reveal': { req: Requests['pii.reveal']; res: PiiStatus };
  'pii.hide': { req: Requests['pii.hide']; res: PiiStatus };
  /** explain: the plan of the SELECT instead of its rows (never EXPLAIN ANALYZE) */
  'sql.query': { req: Requests['sql.query']; res: SqlResult };
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
  | { kind: 'workspace.changed'; what: 'datasets' | 'runs' | 'profiles' | 'warehouse' }
  | { kind: 'check.line'; jobId: string; profile: string; line: CheckLine }
  | { kind: 'check.finished'; jobId: string; profile: string; passed: boolean; error?: ApiErrorBody }
  | { kind: 'deploy.step'; jobId: string; profile: string; step: DeployStep }
  | { kind: 'deploy.finished'; jobId: string; profile: string; status: 'succeeded' | 'failed'; steps: DeployStep[]; error?: ApiErrorBody };

/** Events travel in batches: a run can emit hundreds a second and the UI repaints once per batch. */
export type EventBatch = ServerEvent[];
