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
import { ApiError, errorBody } from './errors.ts';
import { CloudJobs } from './jobs/cloud-jobs.ts';
import { EventHub } from './jobs/event-hub.ts';
import { GenerateJobs } from './jobs/generate-jobs.ts';
import { ProfileStore } from './jobs/profile-store.ts';
import { RunManager } from './jobs/run-manager.ts';
import type { ApiMethod, ApiMethods, ApiRequest, ApiResponse, AppInfo, CallResult, EventBatch, PiiStatus } from './protocol.ts';
import { analyticsOptions, claimKpis, dashboard } from './read-models/analytics.ts';
import { compareRuns } from './read-models/compare.ts';
import { dbtArtifactsDir } from './read-models/dbt-artifacts.ts';
import { profileColumn, readPage } from './read-models/dataset-query.ts';
import { HISTORY_LABEL_COLUMNS, historyKey, historyTimeline, searchHistory } from './read-models/history.ts';
import { lineageGraph, lineageNode, readDbtArtifacts } from './read-models/lineage.ts';
import { failingRows, qualityOverview } from './read-models/quality.ts';
import { ReadSides } from './read-models/read-sides.ts';
import { EmulatorOwnership } from './jobs/emulator-owner.ts';
import { SqlConsole } from './read-models/sql-console.ts';
import { validateRequest } from './schemas.ts';
import { PiiMasker } from './pii/masking.ts';
import { PiiView } from './pii/pii-view.ts';
import { Pseudonyms } from './pii/pseudonyms.ts';
import { PiiSessions, type Caller } from './pii/sessions.ts';
import { ROW_HOLDING_COLUMNS } from '../contract-loader/pii.ts';

const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

export interface ClaimsService {
  readonly workspace: string;
  /**
   * Validates and runs one call; never throws (errors come back as { ok: false }). A transport names
   * the caller (a web session, a desktop window): PII is masked for it unless it revealed PII. An
   * in-process call without a caller (the CLI, the test harness) runs as the workspace's owner,
   * who can read the warehouse file itself, and sees values in clear.
   */
  call<M extends ApiMethod>(method: M, payload: unknown, caller?: Caller): Promise<CallResult<M>>;
  subscribe(listener: (batch: EventBatch) => void): () => void;
  close(): Promise<void>;
}

/** what a handler knows of its caller: what it may see of PII */
interface CallContext {
  view: PiiView;
  caller: Caller | undefined;
}

type Handlers = { [M in ApiMethod]: (req: ApiRequest<M>, ctx: CallContext) => Promise<ApiResponse<M>> | ApiResponse<M> };

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
  const masker = new PiiMasker(contracts, Pseudonyms.forWorkspace(layout.root));
  const pii = new PiiSessions();
  const piiStatus = (ctx: CallContext): PiiStatus => ({
    revealed: !ctx.view.masked,
    columns: [...masker.columns.values()].map((c) => ({ name: c.name, tag: c.tag as 'direct' | 'quasi', shown: masker.maskOf(c.name)!.kind as PiiStatus['columns'][number]['shown'] })),
    rowColumns: [...ROW_HOLDING_COLUMNS],
  });

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
    'datasets.page': async (req, { view }) => view.page(await readPage(await reading(), { ...req, filters: view.filters(req.filters), sort: view.sort(req.sort) })),
    'datasets.profile': async (req, { view }) => view.profile(await profileColumn(await reading(), { ...req, filters: view.filters(req.filters) })),
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
    // a test's SQL can carry PII under other names (member_id as entity_id): while masked it is held
    // to the console's rule, and its output is masked by name
    'quality.failingRows': async (req, { view }) => view.sqlResult(await failingRows((await dbtArtifacts()).artifacts, (await reading()).warehouse, sqlConsole, req.id, req.limit, (sql, test) => view.checkTestQuery(sql, test))),
    'analytics.options': async () => analyticsOptions((await reading()).warehouse),
    'analytics.dashboard': async (req, { view }) => view.dashboard(await dashboard((await reading()).warehouse, req)),
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
    'history.search': async (req, { view }) => {
      const key = historyKey(contracts.byName, req.entity);
      const labelIsPii = view.labelIsPii(HISTORY_LABEL_COLUMNS[req.entity]);
      const found = await searchHistory((await reading()).warehouse, contracts.byName, req.entity, view.searchText(req.entity, key, labelIsPii, req.query));
      return found.available ? { ...found, matches: view.searchMatches(key, labelIsPii, found.matches) } : found;
    },
    'history.timeline': async (req, { view }) => {
      const key = historyKey(contracts.byName, req.entity);
      return view.timeline(key, await historyTimeline((await reading()).warehouse, contracts.byName, req.entity, view.entityId(req.entity, key, req.id)));
    },
    'pii.status': (_req, ctx) => piiStatus(ctx),
    'pii.reveal': (_req, ctx) => {
      if (ctx.caller) pii.reveal(ctx.caller);
      return piiStatus({ ...ctx, view: new PiiView(masker, false) });
    },
    'pii.hide': (_req, ctx) => {
      if (!ctx.caller) throw new ApiError('conflict', 'An in-process caller runs as the workspace owner and sees PII in clear; there is nothing to hide.');
      pii.hide(ctx.caller);
      return piiStatus({ ...ctx, view: new PiiView(masker, true) });
    },
    'sql.query': async (req, { view }) => {
      view.checkConsole(req.sql);
      return view.sqlResult(await sqlConsole.query((await reading()).warehouse, req));
    },
  };

  return {
    workspace: layout.root,
    async call<M extends ApiMethod>(method: M, payload: unknown, caller?: Caller): Promise<CallResult<M>> {
      try {
        const req = validateRequest(method, payload ?? {});
        const handler = handlers[method] as (r: ApiMethods[M]['req'], ctx: CallContext) => Promise<ApiResponse<M>> | ApiResponse<M>;
        const view = new PiiView(masker, caller !== undefined && !pii.isRevealed(caller));
        return { ok: true, result: await handler(req, { view, caller }) };
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

