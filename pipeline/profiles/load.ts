import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { GENERATE_DEFAULTS } from '../generate/options.ts';
import { CronError, nextRuns } from '../orchestrator/schedule.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { ownEntry, profileNameProblem, profileNameSchema } from './names.ts';
import { CLEANSE_ENGINES, type Profile, type ProfilesFile, type RawProfile } from './types.ts';

/** The built-in profile: everything on this machine, no file needed. */
export const LOCAL_PROFILE: Profile = {
  name: 'local',
  kind: 'local',
  description: 'Everything on this machine: lake folder, DuckDB cleanse and warehouse, dbt-duckdb.',
  generate: { seed: GENERATE_DEFAULTS.seed, members: GENERATE_DEFAULTS.members, providers: GENERATE_DEFAULTS.providers, claims: GENERATE_DEFAULTS.claims, dirty_rate: GENERATE_DEFAULTS.dirtyRate, rows_per_file: GENERATE_DEFAULTS.rowsPerFile },
  retry: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 10_000, jitter: 0.3 },
  timeouts: { default: 3600 },
  freshness_hours: 24,
  duckdb: { memory_limit: '1536MB' },
  cleanse: { engine: 'duckdb' },
  dbt: { target: 'local', threads: 4 },
};

const positive = { type: 'integer', minimum: 1 };
const profileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { enum: ['local'] },
    description: { type: 'string' },
    generate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        seed: { type: 'integer', minimum: 0 },
        members: { type: 'integer', minimum: 10 },
        providers: { type: 'integer', minimum: 50 },
        claims: { type: 'integer', minimum: 0 },
        dirty_rate: { type: 'number', minimum: 0, maximum: 1 },
        rows_per_file: { type: 'integer', minimum: 1000 },
      },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_attempts: positive,
        base_delay_ms: { type: 'integer', minimum: 0 },
        max_delay_ms: { type: 'integer', minimum: 0 },
        jitter: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(['default', ...PIPELINE_STAGES].map((s) => [s, { type: 'integer', minimum: 0 }])),
    },
    schedule: { type: 'string' },
    freshness_hours: { type: 'number', exclusiveMinimum: 0 },
    duckdb: {
      type: 'object',
      additionalProperties: false,
      properties: { threads: positive, memory_limit: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$' } },
    },
    cleanse: { type: 'object', additionalProperties: false, properties: { engine: { enum: [...CLEANSE_ENGINES] } } },
    dbt: { type: 'object', additionalProperties: false, properties: { target: { enum: ['local'] }, threads: positive } },
  },
};
const fileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['profiles'],
  properties: {
    active: profileNameSchema,
    profiles: { type: 'object', propertyNames: profileNameSchema, additionalProperties: profileSchema },
  },
};

const validateFile = new Ajv2020({ allErrors: true, strict: false }).compile(fileSchema);

export interface ProfileProblem {
  path: string;
  message: string;
}

export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ProfileProblem[],
  ) {
    super(`${file}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ProfileError';
  }
}

function describe(e: ErrorObject): ProfileProblem {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(file)';
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: path === '(file)' ? String(e.params.additionalProperty) : `${path}.${String(e.params.additionalProperty)}`, message: `unknown key; allowed here: ${Object.keys(allowedAt(path)).join(', ')}` };
    case 'enum':
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'propertyNames':
      return { path: `${path}.${String(e.params.propertyName)}`, message: profileNameProblem(String(e.params.propertyName)) ?? 'not a profile name' };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

function allowedAt(path: string): Record<string, unknown> {
  const parts = path === '(file)' ? [] : path.split('.');
  if (parts.length === 0) return fileSchema.properties;
  if (parts.length === 2) return profileSchema.properties;
  const section = (profileSchema.properties as Record<string, { properties?: Record<string, unknown> }>)[parts[2]!];
  return section?.properties ?? {};
}

/** Semantic checks past the schema: the cron expression parses. */
function semanticProblems(doc: ProfilesFile): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  for (const [name, p] of Object.entries(doc.profiles)) {
    if (p.schedule !== undefined) {
      try {
        nextRuns(p.schedule, new Date(), 1);
      } catch (err) {
        out.push({ path: `profiles.${name}.schedule`, message: err instanceof CronError ? err.message : String(err) });
      }
    }
  }
  if (doc.active && doc.active !== 'local' && !ownEntry(doc.profiles, doc.active)) out.push({ path: 'active', message: `no profile named "${doc.active}"; defined: local, ${Object.keys(doc.profiles).join(', ')}` });
  return out;
}

/** Validates a profiles document; returns every problem with its key path. */
export function validateProfiles(doc: unknown): ProfileProblem[] {
  if (!validateFile(doc)) return (validateFile.errors ?? []).map(describe);
  return semanticProblems(doc as unknown as ProfilesFile);
}

/** Reads the workspace's profiles file (missing file = only the built-in `local`). */
export async function readProfilesFile(path: string): Promise<ProfilesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw err;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? { profiles: {} };
  } catch (err) {
    throw new ProfileError(path, [{ path: '(file)', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const problems = validateProfiles(doc);
  if (problems.length) throw new ProfileError(path, problems);
  return doc as ProfilesFile;
}

/** Merges a profile over the built-in defaults. */
function resolveProfile(name: string, raw: RawProfile | undefined): Profile {
  const r = raw ?? {};
  const retry = r.retry ?? {};
  return {
    ...LOCAL_PROFILE,
    schedule: r.schedule,
    freshness_hours: r.freshness_hours ?? LOCAL_PROFILE.freshness_hours,
    name,
    kind: 'local',
    description: r.description ?? (name === 'local' ? LOCAL_PROFILE.description : undefined),
    generate: { ...LOCAL_PROFILE.generate, ...(r.generate ?? {}) },
    retry: {
      maxAttempts: retry.max_attempts ?? LOCAL_PROFILE.retry.maxAttempts,
      baseDelayMs: retry.base_delay_ms ?? LOCAL_PROFILE.retry.baseDelayMs,
      maxDelayMs: retry.max_delay_ms ?? LOCAL_PROFILE.retry.maxDelayMs,
      jitter: retry.jitter ?? LOCAL_PROFILE.retry.jitter,
    },
    timeouts: { ...LOCAL_PROFILE.timeouts, ...(r.timeouts ?? {}) },
    duckdb: { ...LOCAL_PROFILE.duckdb, ...(r.duckdb ?? {}) },
    cleanse: { ...LOCAL_PROFILE.cleanse, ...(r.cleanse ?? {}) },
    dbt: { ...LOCAL_PROFILE.dbt, ...(r.dbt ?? {}) },
  };
}

export async function listProfiles(path: string): Promise<{ active: string; profiles: Profile[] }> {
  const doc = await readProfilesFile(path);
  const names = ['local', ...Object.keys(doc.profiles).filter((n) => n !== 'local')];
  return { active: doc.active ?? 'local', profiles: names.map((n) => resolveProfile(n, ownEntry(doc.profiles, n))) };
}

export async function loadProfile(path: string, name?: string): Promise<Profile> {
  const doc = await readProfilesFile(path);
  const wanted = name ?? doc.active ?? 'local';
  const problem = profileNameProblem(wanted);
  if (problem) throw new ProfileError(path, [{ path: 'profile', message: problem }]);
  if (wanted !== 'local' && !ownEntry(doc.profiles, wanted)) {
    throw new ProfileError(path, [{ path: `profiles.${wanted}`, message: `no such profile; defined: ${['local', ...Object.keys(doc.profiles)].join(', ')}` }]);
  }
  return resolveProfile(wanted, ownEntry(doc.profiles, wanted));
}

/** Saves (creates or replaces) one profile in the file after validating the whole document. */
export async function saveProfile(path: string, name: string, profile: unknown, makeActive = false): Promise<void> {
  const doc = await readProfilesFile(path);
  const next: ProfilesFile = { ...doc, profiles: { ...doc.profiles, [name]: profile as RawProfile } };
  if (makeActive) next.active = name;
  const problems = validateProfiles(next);
  if (problems.length) throw new ProfileError(path, problems);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, toYaml(next));
  await rename(`${path}.tmp`, path);
}

export async function activateProfile(path: string, name: string): Promise<void> {
  const doc = await readProfilesFile(path);
  const next = { ...doc, active: name };
  const problems = validateProfiles(next);
  if (problems.length) throw new ProfileError(path, problems);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, toYaml(next));
  await rename(`${path}.tmp`, path);
}
