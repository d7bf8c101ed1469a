// Every method's request, written once as JSON Schema with TypeBox. Both transports validate
// payloads against these (schemas.ts) before the service sees them, and protocol.ts takes the
// request types from them, so a field, an enum or a limit is never written twice.

import { Type, type Static } from '@sinclair/typebox';
import { MAX_BATCH, MAX_CLAIMS, type GenerateOptions } from '../generate/options.ts';
import type { RunStatus, RunTrigger } from '../orchestrator/types.ts';
import { profileNameSchema } from '../profiles/names.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { FiltersSchema, NameSchema, SortSchema, StringEnum } from '../warehouse/query-shapes.ts';
import type { Json } from '../warehouse/reader.ts';
import { SQL_ROW_CAP } from './read-models/console-limits.ts';

/** Rows the largest table can hold: every claim of the largest world, versioned in every batch. */
const MAX_ROW_OFFSET = MAX_CLAIMS * MAX_BATCH;

const strict = { additionalProperties: false } as const;
const Empty = Type.Object({}, strict);
const RunId = Type.String({ pattern: '^\\d{8}-\\d{6}-[0-9a-f]{6}$' });
const Stage = StringEnum(PIPELINE_STAGES);
const ProfileName = Type.Unsafe<string>(profileNameSchema);
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Batch = Type.Integer({ minimum: 1, maximum: 1000 });
/** a profile as the file writes it; its own validation (profiles/load.ts) names every bad key */
const ProfileObject = Type.Unsafe<Record<string, Json>>({ type: 'object', maxProperties: 200 });

export const DATASET_SOURCES = ['generated', 'raw', 'curated', 'quarantine', 'duplicates', 'warehouse'] as const;
const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
const RUN_TRIGGERS = ['manual', 'schedule', 'api', 'resume', 'airflow'] as const satisfies readonly RunTrigger[];

export const DatasetRefSchema = Type.Object(
  {
    source: StringEnum(DATASET_SOURCES),
    /** members/providers/claims for file sources; "schema.table" for the warehouse */
    name: NameSchema,
    /** generated and raw files are per batch; curated, quarantine and warehouse cover every batch */
    batch: Type.Optional(Batch),
  },
  strict,
);

export const PageRequestSchema = Type.Object(
  {
    ref: DatasetRefSchema,
    offset: Type.Integer({ minimum: 0, maximum: MAX_ROW_OFFSET }),
    limit: Type.Integer({ minimum: 1, maximum: 5000 }),
    sort: Type.Optional(SortSchema),
    filters: Type.Optional(FiltersSchema),
  },
  strict,
);

/** The generator's own options that the app chooses; ranges are checked by parseGenerateOptions, whose messages name the option. */
export const GenerateRequestSchema = Type.Object(
  { seed: Type.Integer(), members: Type.Integer(), providers: Type.Integer(), claims: Type.Integer(), batch: Type.Integer(), dirtyRate: Type.Number() },
  strict,
);

export const RunListRequestSchema = Type.Object(
  {
    status: Type.Optional(StringEnum(RUN_STATUSES)),
    trigger: Type.Optional(StringEnum(RUN_TRIGGERS)),
    profile: Type.Optional(ProfileName),
    batch: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  strict,
);

export const AnalyticsFilterSchema = Type.Object(
  { from: Type.Optional(IsoDate), to: Type.Optional(IsoDate), plan: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })) },
  strict,
);

const HistoryEntity = StringEnum(['member', 'provider'] as const);
/** a deploy plan or a check/deploy job the service handed out */
const JobId = Type.String({ pattern: '^[0-9a-f]{16}$' });
/** what a Snowflake login's secret is: the one value that ever travels to the service, once */
export const SECRET_KINDS = ['password', 'private_key'] as const;
/** a PEM private key of 8192-bit RSA is under 7 KB; passwords are far shorter */
export const MAX_SECRET_LENGTH = 16_384;
const profileCall = Type.Object({ name: ProfileName, profile: ProfileObject }, strict);

export const REQUESTS = {
  'app.info': Empty,
  'generate.start': GenerateRequestSchema,
  'generate.cancel': Type.Object({ jobId: NameSchema }, strict),
  'generate.batches': Empty,
  'datasets.list': Empty,
  'datasets.page': PageRequestSchema,
  'datasets.profile': Type.Object({ ref: DatasetRefSchema, column: NameSchema, filters: Type.Optional(FiltersSchema) }, strict),
  /** force: redo stages even where the batch already went through them (replaces what was landed) */
  'runs.start': Type.Object(
    { batch: Batch, stages: Type.Optional(Type.Array(Stage, { minItems: 1, uniqueItems: true })), profile: Type.Optional(ProfileName), force: Type.Optional(Type.Boolean()) },
    strict,
  ),
  'runs.resume': Type.Object({ runId: RunId }, strict),
  'runs.rerunStage': Type.Object({ runId: RunId, stage: Stage }, strict),
  'runs.cancel': Type.Object({ runId: RunId }, strict),
  'runs.list': RunListRequestSchema,
  'runs.get': Type.Object({ runId: RunId }, strict),
  'profiles.list': Empty,
  'profiles.get': Type.Object({ name: ProfileName }, strict),
  'profiles.validate': profileCall,
  'profiles.save': profileCall,
  'profiles.activate': Type.Object({ name: ProfileName }, strict),
  /** a new profile's starting settings: the defaults of its kind, with what it must say for itself left blank */
  'profiles.template': Type.Object({ kind: StringEnum(['local', 'aws'] as const) }, strict),
  'profiles.keychain': Empty,
  /** the secret goes into the OS keychain entry the service names after the profile; the answer is that entry, never the secret */
  'profiles.storeSecret': Type.Object({ name: ProfileName, kind: StringEnum(SECRET_KINDS), secret: Type.String({ minLength: 1, maxLength: MAX_SECRET_LENGTH }) }, strict),
  /** claims check on a profile of kind aws (default: the active one), its lines streamed as events */
  'deploy.check': Type.Object({ profile: Type.Optional(ProfileName) }, strict),
  /** claims deploy's plan, read from the account without changing anything */
  'deploy.plan': Type.Object({ profile: Type.Optional(ProfileName) }, strict),
  /** applies a plan deploy.plan handed out, its steps streamed as events */
  'deploy.apply': Type.Object({ planId: JobId }, strict),
  'lineage.graph': Empty,
  'lineage.node': Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.\\-]{1,400}$' }) }, strict),
  'quality.overview': Empty,
  'quality.failingRows': Type.Object({ id: Type.String({ pattern: '^test\\.[A-Za-z0-9_.\\-]{1,400}$' }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, strict),
  'analytics.options': Empty,
  'analytics.dashboard': AnalyticsFilterSchema,
  'compare.runs': Type.Object({ batch: Type.Optional(Batch), profiles: Type.Optional(Type.Array(ProfileName, { minItems: 2, maxItems: 2, uniqueItems: true })) }, strict),
  'history.search': Type.Object({ entity: HistoryEntity, query: Type.String({ maxLength: 100 }) }, strict),
  // an id, or the pseudonym a masked session is shown for it (pii/pseudonyms.ts)
  'history.timeline': Type.Object({ entity: HistoryEntity, id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,120}$' }) }, strict),
  /** whether this session sees PII in clear, and which columns are masked */
  'pii.status': Empty,
  /** shows PII in clear to this session only, until pii.hide or the session ends; confirm: the person said yes */
  'pii.reveal': Type.Object({ confirm: Type.Literal(true) }, strict),
  'pii.hide': Empty,
  /** explain: the plan of the SELECT instead of its rows (never EXPLAIN ANALYZE) */
  'sql.query': Type.Object(
    { sql: Type.String({ minLength: 1, maxLength: 100_000 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SQL_ROW_CAP })), explain: Type.Optional(Type.Boolean()) },
    strict,
  ),
};

export type Requests = { [M in keyof typeof REQUESTS]: Static<(typeof REQUESTS)[M]> };

// the API's generate request is the generator's own options, field for field
type GeneratorFields = Pick<GenerateOptions, 'seed' | 'members' | 'providers' | 'claims' | 'batch' | 'dirtyRate'>;
const sameAsGenerator: [Requests['generate.start'], GeneratorFields] extends [GeneratorFields, Requests['generate.start']] ? true : never = true;
void sameAsGenerator;
