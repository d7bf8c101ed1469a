// The service behind both transports: validates each request against its schema, runs the
// method, and turns failures into the error body clients show. Transports add nothing but
// framing and authentication.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContracts } from '../contract-loader/load.ts';
import { GENERATE_DEFAULTS, MAX_BATCH, MAX_CLAIMS, MAX_MEMBERS, MAX_PROVIDERS } from '../generate/options.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { workspacePaths } from '../workspace.ts';
import { errorBody } from './errors.ts';
import { CloudJobs } from './jobs/cloud-jobs.ts';
import { EventHub } from './jobs/event-hub.ts';
import { GenerateJobs } from './jobs/generate-jobs.ts';
import { ProfileStore } from './jobs/profile-store.ts';
import { RunManager } from './jobs/run-manager.ts';
import type { ApiMethod, ApiMethods, ApiRequest, ApiResponse, AppInfo, CallResult, EventBatch } from './protocol.ts';
import { analyticsOptions, claimKpis, dashboard } from './read-models/analytics.ts';
import { compareRuns } from './read-models/compare.ts';
import { dbtArtifactsDir } from './read-models/dbt-artifacts.ts';
import { profileColumn, readPage } from './read-models/dataset-query.ts';
import { historyTimeline, searchHistory } from './read-models/history.ts';
import { lineageGraph, lineageNode, readDbtArtifacts } from './read-models/lineage.ts';
import { failingRows, qualityOverview } from './read-models/quality.ts';
import { ReadSides } from './read-models/read-sides.ts';
import { EmulatorOwnership } from './jobs/emulator-owner.ts';
import { SqlConsole } from './read-models/sql-console.ts';
import { validateRequest } from './schemas.ts';

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
  const profiles = new ProfileStore(layout, hub);
  const sides = new ReadSides(layout, () => profiles.active(), opts.readerMemoryLimit);
  const contracts = loadContracts();
  const sqlConsole = new SqlConsole();
  const clearCounts = () => void sides.built().then((r) => r?.counts.clear());
  const jobs = new GenerateJobs(layout, hub, clearCounts);
  const runs = new RunManager(layout.root, hub, sides, clearCounts);
  const cloud = new CloudJobs(layout, hub, () => profiles.active(), () => sides.reopen());
  const emulator = new EmulatorOwnership(layout.root);
  /** the active profile's latest dbt build (lineage, dbt tests), never another profile's */
  const dbtArtifacts = async () => {
    // one read of profiles.yaml gives both the active profile and which profiles are of kind aws
    const listed = await profiles.list();
    const active = { name: listed.active, kind: listed.profiles.find((p) => p.name === listed.active)?.kind === 'aws' ? ('aws' as const) : ('local' as const) };
    const dir = await dbtArtifactsDir(layout, active, new Set(listed.profiles.filter((p) => p.kind === 'aws').map((p) => p.name)));
    return { profile: active.name, artifacts: dir ? readDbtArtifacts(dir) : null, dir };
  };
  const reading = () => sides.get();

  const handlers: Handlers = {
    'app.info': async (): Promise<AppInfo> => {
      const { warehouse, profile } = await reading();
      const now = warehouse.availability();
      const dbt = await dbtArtifacts();
      const kind = (await profiles.list()).profiles.find((p) => p.name === profile)?.kind === 'aws' ? 'aws' : 'local';
      return {
        version: VERSION,
        workspace: layout.root,
        stages: [...PIPELINE_STAGES],
        activeProfile: profile,
        activeProfileKind: kind,
        generate: {
          defaults: { seed: GENERATE_DEFAULTS.seed, members: GENERATE_DEFAULTS.members, providers: GENERATE_DEFAULTS.providers, claims: GENERATE_DEFAULTS.claims, batch: GENERATE_DEFAULTS.batch, dirtyRate: GENERATE_DEFAULTS.dirtyRate },
          maxBatch: MAX_BATCH,
          maxMembers: MAX_MEMBERS,
          maxProviders: MAX_PROVIDERS,
          maxClaims: MAX_CLAIMS,
        },
        capabilities: {
          // a warehouse busy with a run is there all the same
          warehouse: now.available || now.why === 'busy' ? { available: true } : { available: false, reason: now.reason, ...(now.hint ? { hint: now.hint } : {}) },
          dbtArtifacts: dbt.artifacts ? { available: true } : { available: false, reason: `No dbt run yet on profile ${dbt.profile}.`, hint: 'Run the pipeline on it; its transform stage runs dbt.' },
        },
      };
    },
    'generate.start': (req) => jobs.start(req),
    'generate.cancel': (req) => jobs.cancel(req.jobId),
    'generate.batches': () => jobs.batches(),
    'datasets.list': async () => (await reading()).catalog.list(),
    'datasets.page': async (req) => readPage(await reading(), req),
    'datasets.profile': async (req) => profileColumn(await reading(), req),
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
    'profiles.template': (req) => profiles.template(req.kind),
    'profiles.keychain': () => profiles.keychain(),
    'profiles.storeSecret': (req) => profiles.storeSecret(req.name, req.kind, req.secret),
    'deploy.check': (req) => cloud.check(req.profile),
    'deploy.plan': (req) => cloud.plan(req.profile),
    'deploy.apply': (req) => cloud.apply(req.planId),
    'lineage.graph': async () => {
      const { profile, artifacts } = await dbtArtifacts();
      return artifacts ? lineageGraph(artifacts) : { available: false, reason: `No dbt run yet on profile ${profile}: the transform stage of a run on it writes the lineage.` };
    },
    'lineage.node': async (req) => lineageNode((await dbtArtifacts()).artifacts, req.id),
    'quality.overview': async () => {
      const { lake, warehouse } = await reading();
      const { dir } = await dbtArtifacts();
      // the overview reads dbt's test results from the active profile's latest build (none: a folder that does not exist)
      return qualityOverview({ ...layout, dbtTarget: dir ?? join(layout.tmp, 'no-dbt-build') }, lake, warehouse);
    },
    'quality.failingRows': async (req) => failingRows((await dbtArtifacts()).artifacts, (await reading()).warehouse, sqlConsole, req.id, req.limit),
    'analytics.options': async () => analyticsOptions((await reading()).warehouse),
    'analytics.dashboard': async (req) => dashboard((await reading()).warehouse, req),
    'compare.runs': async (req) => {
      const listed = await profiles.list();
      return compareRuns({
        runs: await runs.list({ status: 'succeeded', limit: 1000 }),
        kinds: new Map(listed.profiles.map((p) => [p.name, p.kind === 'aws' ? 'aws' : 'local'])),
        ...(req.batch ? { batch: req.batch } : {}),
        ...(req.profiles ? { profiles: req.profiles } : {}),
        kpis: (profile) => sides.withWarehouse(profile, (warehouse) => claimKpis(warehouse)),
      });
    },
    'history.search': async (req) => searchHistory((await reading()).warehouse, contracts.byName, req.entity, req.query),
    'history.timeline': async (req) => historyTimeline((await reading()).warehouse, contracts.byName, req.entity, req.id),
    'sql.query': async (req) => sqlConsole.query((await reading()).warehouse, req),
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
      await runs.close();
      cloud.close();
      hub.close();
      await sides.close();
      const emulated = await emulator.release().catch((err: unknown) => `not stopped: ${(err as Error).message}`);
      if (emulated === 'stopped') log('stopped the cloud emulator this app started');
      else if (emulated.startsWith('not stopped')) log(`the cloud emulator this app started was ${emulated}; \`claims emulator stop\` stops it`);
    },
  };
}

