// The service behind both transports: validates each request against its schema, runs the
// method, and turns failures into the error body clients show. Transports add nothing but
// framing and authentication.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATE_DEFAULTS, MAX_BATCH, MAX_CLAIMS, MAX_MEMBERS, MAX_PROVIDERS } from '../generate/options.ts';
import { analyticsOptions, dashboard } from './read-models/analytics.ts';
import { Catalog, warehouseTables } from './read-models/catalog.ts';
import type { ApiMethod, ApiMethods, ApiRequest, ApiResponse, AppInfo, CallResult, EventBatch } from './protocol.ts';
import { CountCache, profileColumn, readPage } from './read-models/dataset-query.ts';
import { errorBody } from './errors.ts';
import { EventHub } from './jobs/event-hub.ts';
import { GenerateJobs } from './jobs/generate-jobs.ts';
import { historyTimeline, searchHistory } from './read-models/history.ts';
import { lineageGraph, lineageNode, readDbtArtifacts } from './read-models/lineage.ts';
import { ProfileStore } from './jobs/profile-store.ts';
import { qualityOverview } from './read-models/quality.ts';
import { RunManager } from './jobs/run-manager.ts';
import { validateRequest } from './schemas.ts';
import { SqlConsole } from './read-models/sql-console.ts';
import { DEFAULT_READER_MEMORY, DEFAULT_READER_TEMP_SIZE, FileReader, WarehouseReader } from './read-models/warehouse-reader.ts';
import { generatedRoot } from './read-models/manifests.ts';
import { LocalLake } from '../lake/local.ts';
import type { StageName } from '../orchestrator/types.ts';
import { PIPELINE_STAGE_NAMES } from '../run/index.ts';
import { workspacePaths } from '../workspace.ts';

// The stages `claims run` runs, in order.
const PIPELINE_STAGES: StageName[] = [...PIPELINE_STAGE_NAMES];

const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

export interface ClaimsService {
  readonly workspace: string;
  /** Validates and runs one call; never throws (errors come back as { ok: false }). */
  call<M extends ApiMethod>(method: M, payload: unknown): Promise<CallResult<M>>;
  subscribe(listener: (batch: EventBatch) => void): () => void;
  close(): Promise<void>;
}

type Handlers = { [M in ApiMethod]: (req: ApiRequest<M>) => Promise<ApiResponse<M>> | ApiResponse<M> };

export function createClaimsService(opts: { workspace: string; log?: (line: string) => void; readerMemoryLimit?: string }): ClaimsService {
  const layout = workspacePaths(opts.workspace);
  mkdirSync(layout.root, { recursive: true });
  const log = opts.log ?? ((line: string) => console.error(line));
  const hub = new EventHub();
  const lake = new LocalLake(layout.lake);
  const limits = { memoryLimit: opts.readerMemoryLimit ?? DEFAULT_READER_MEMORY, maxTempSize: DEFAULT_READER_TEMP_SIZE };
  const files = new FileReader([...lake.localRoots(), generatedRoot(layout)].map((d) => `${d}/`), { ...limits, tempDirectory: join(layout.tmp, 'file-reader') });
  // the warehouse holds no views over files: its reader may touch no file but its own
  const warehouse = new WarehouseReader(layout.warehouse, [], { ...limits, tempDirectory: join(layout.tmp, 'warehouse-reader') }, join(layout.root, '.lock'));
  const catalog = new Catalog(layout, lake, files, warehouse);
  const console_ = new SqlConsole(warehouse);
  const counts = new CountCache();
  const jobs = new GenerateJobs(layout, hub, () => counts.clear());
  const runs = new RunManager(layout.root, hub, warehouse, () => counts.clear());
  const profiles = new ProfileStore(layout, hub);

  const existingRelations = async (): Promise<Set<string>> =>
    warehouse.exists() && !warehouse.blocked ? new Set((await warehouse.use(warehouseTables)).map((t) => `${t.schema}.${t.table}`)) : new Set();

  const handlers: Handlers = {
    'app.info': async (): Promise<AppInfo> => {
      return {
        version: VERSION,
        workspace: layout.root,
        stages: PIPELINE_STAGES,
        activeProfile: await profiles.active(),
        generate: {
          defaults: { seed: GENERATE_DEFAULTS.seed, members: GENERATE_DEFAULTS.members, providers: GENERATE_DEFAULTS.providers, claims: GENERATE_DEFAULTS.claims, batch: GENERATE_DEFAULTS.batch, dirtyRate: 0.02 },
          maxBatch: MAX_BATCH,
          maxMembers: MAX_MEMBERS,
          maxProviders: MAX_PROVIDERS,
          maxClaims: MAX_CLAIMS,
        },
        capabilities: {
          warehouse: warehouse.exists() ? { available: true } : { available: false, reason: 'No pipeline run yet: there is no warehouse in this workspace.', hint: 'Run the pipeline to load the warehouse.' },
          dbtArtifacts: readDbtArtifacts(layout.dbtTarget) ? { available: true } : { available: false, reason: 'No dbt run yet.', hint: 'Run the pipeline; its transform stage runs dbt.' },
        },
      };
    },
    'generate.start': (req) => jobs.start(req),
    'generate.cancel': (req) => jobs.cancel(req.jobId),
    'generate.batches': () => jobs.batches(),
    'datasets.list': () => catalog.list(),
    'datasets.page': (req) => readPage(catalog, counts, req),
    'datasets.profile': (req) => profileColumn(catalog, req),
    'runs.start': async (req) => runs.start({ batch: req.batch, profile: req.profile ?? (await profiles.active()), force: req.force === true, ...(req.stages ? { stages: req.stages } : {}) }),
    'runs.resume': (req) => runs.resume(req.runId),
    'runs.rerunStage': (req) => runs.rerunStage(req.runId, req.stage),
    'runs.cancel': (req) => runs.cancel(req.runId),
    'runs.list': (req) => runs.list(req),
    'runs.get': (req) => runs.get(req.runId),
    'profiles.list': () => profiles.list(),
    'profiles.get': (req) => profiles.get(req.name),
    'profiles.validate': (req) => ({ problems: profiles.validate(req.name, req.profile) }),
    'profiles.save': (req) => profiles.save(req.name, req.profile),
    'profiles.activate': (req) => profiles.activate(req.name),
    'lineage.graph': () => lineageGraph(readDbtArtifacts(layout.dbtTarget)),
    'lineage.node': async (req) => lineageNode(readDbtArtifacts(layout.dbtTarget), req.id, await existingRelations()),
    'quality.overview': () => qualityOverview(layout, lake, warehouse),
    'analytics.options': () => analyticsOptions(warehouse),
    'analytics.dashboard': (req) => dashboard(warehouse, req),
    'history.search': (req) => searchHistory(warehouse, catalog.contracts.byName, req.entity, req.query),
    'history.timeline': (req) => historyTimeline(warehouse, catalog.contracts.byName, req.entity, req.id),
    'sql.query': (req) => console_.query(req),
  };

  return {
    workspace: layout.root,
    async call<M extends ApiMethod>(method: M, payload: unknown): Promise<CallResult<M>> {
      try {
        const req = validateRequest(method, payload ?? {});
        const handler = handlers[method] as (r: ApiMethods[M]['req']) => Promise<ApiResponse<M>> | ApiResponse<M>;
        return { ok: true, result: await handler(req) };
      } catch (err) {
        const body = errorBody(err);
        if (body.code === 'internal') log(`${method} failed: ${(err as Error).stack ?? body.message}`);
        return { ok: false, error: body };
      }
    },
    subscribe: (listener) => hub.subscribe(listener),
    async close() {
      jobs.close();
      runs.close();
      hub.close();
      await warehouse.close();
      await files.close();
    },
  };
}

