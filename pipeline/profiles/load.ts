import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { GENERATE_DEFAULTS } from '../generate/options.ts';
import { CronError, nextRuns } from '../orchestrator/schedule.ts';
import { PIPELINE_STAGES } from '../stages/names.ts';
import { ownEntry, profileNameProblem, profileNameSchema } from './names.ts';
import { CLEANSE_ENGINES, type AwsProfile, type LocalProfile, type Profile, type ProfilesFile, type RawProfile } from './types.ts';

/** The built-in profile: everything on this machine, no file needed. */
export const LOCAL_PROFILE: LocalProfile = {
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

/** What a profile of kind aws starts from: everything but where it lives (bucket, role, account...). */
const AWS_DEFAULTS = {
  aws: { region: 'us-east-1', prefix: '', encryption: { mode: 'sse-s3' as const } },
  glue: { jobs: { cleanse: 'claims-cleanse', load: 'claims-load' }, code_prefix: '_deploy/' },
  snowflake: { role: 'CLAIMS_LOADER', reader_role: 'CLAIMS_READER', warehouse: 'CLAIMS_WH', database: 'CLAIMS', raw_schema: 'RAW', load_route: 'external_stage' as const },
  dbt: { target: 'snowflake' as const, threads: 4 },
};

/**
 * The built-in cloud emulator profile: the aws stages against the workspace's own emulator (moto
 * for S3, Glue and CloudWatch Logs; local PySpark running the Glue jobs; fakesnow for Snowflake),
 * on loopback, with no account. Its endpoints come from the running emulator.
 */
const { cleanse: _localCleanse, ...LOCAL_BASE } = LOCAL_PROFILE;
export const CLOUD_EMULATOR_PROFILE: AwsProfile = {
  ...LOCAL_BASE,
  name: 'cloud-emulator',
  kind: 'aws',
  emulator: true,
  description: 'The cloud path (S3, Glue, Snowflake) against the local cloud emulator: no account needed.',
  aws: { ...AWS_DEFAULTS.aws, bucket: 'claims-lake' },
  glue: { ...AWS_DEFAULTS.glue, role_arn: 'arn:aws:iam::123456789012:role/claims-glue', workers: 2, worker_type: 'G.1X', timeout_minutes: 30 },
  snowflake: { ...AWS_DEFAULTS.snowflake, account: 'emulator', user: 'CLAIMS', auth: { method: 'password', password_env: 'CLAIMS_EMULATOR_PASSWORD' }, load_route: 'internal_stage' },
  auto_deploy: true,
  dbt: AWS_DEFAULTS.dbt,
};

/** Profiles every workspace has without a file. */
export const BUILT_IN_PROFILES: ReadonlyMap<string, Profile> = new Map<string, Profile>([
  [LOCAL_PROFILE.name, LOCAL_PROFILE],
  [CLOUD_EMULATOR_PROFILE.name, CLOUD_EMULATOR_PROFILE],
]);

const positive = { type: 'integer', minimum: 1 };
const text = { type: 'string', minLength: 1 };
/** an environment variable's name: the profile names where a secret is, never the secret */
const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' };
const url = { type: 'string', pattern: '^https?://[^\\s/@]+(:\\d+)?/?$' };
const AWS_SECTIONS = ['aws', 'glue', 'snowflake', 'emulator', 'auto_deploy'] as const;

const profileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { enum: ['local', 'aws'] },
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
    dbt: { type: 'object', additionalProperties: false, properties: { target: { enum: ['local', 'snowflake'] }, threads: positive } },
    emulator: { type: 'boolean' },
    auto_deploy: { type: 'boolean' },
    aws: {
      type: 'object',
      additionalProperties: false,
      properties: {
        region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$' },
        // S3's bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens
        bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
        prefix: { type: 'string', pattern: '^([A-Za-z0-9!_.*\'()-]+/)*$' },
        encryption: {
          type: 'object',
          additionalProperties: false,
          required: ['mode'],
          properties: { mode: { enum: ['sse-s3', 'sse-kms'] }, kms_key_id: text },
        },
        endpoints: { type: 'object', additionalProperties: false, properties: { s3: url, glue: url, logs: url, iam: url, sts: url, secretsmanager: url } },
      },
    },
    glue: {
      type: 'object',
      additionalProperties: false,
      properties: {
        role_arn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$' },
        jobs: { type: 'object', additionalProperties: false, properties: { cleanse: { type: 'string', pattern: '^[\\w.-]{1,255}$' }, load: { type: 'string', pattern: '^[\\w.-]{1,255}$' } } },
        worker_type: { enum: ['G.025X', 'G.1X', 'G.2X', 'G.4X', 'G.8X'] },
        workers: { type: 'integer', minimum: 2, maximum: 100 },
        timeout_minutes: { type: 'integer', minimum: 1, maximum: 2880 },
        code_prefix: { type: 'string', pattern: '^([A-Za-z0-9!_.*\'()-]+/)+$' },
      },
    },
    snowflake: {
      type: 'object',
      additionalProperties: false,
      properties: {
        account: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
        user: text,
        role: text,
        reader_role: text,
        warehouse: text,
        database: text,
        raw_schema: text,
        load_route: { enum: ['external_stage', 'internal_stage'] },
        storage_integration: text,
        endpoint: {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'port'],
          properties: { host: text, port: { type: 'integer', minimum: 1, maximum: 65535 }, protocol: { enum: ['http', 'https'] } },
        },
        // where the secret is: an environment variable, a key file, or the OS keychain; never the secret itself
        auth: {
          type: 'object',
          additionalProperties: false,
          required: ['method'],
          properties: {
            method: { enum: ['key_pair', 'password', 'browser_sso'] },
            private_key_file: text,
            passphrase_env: envName,
            password_env: envName,
            keychain: { type: 'object', additionalProperties: false, required: ['service', 'account'], properties: { service: text, account: text } },
          },
        },
      },
    },
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

/** What a value that fails its pattern should look like, by key within a profile (a regular expression says it to no one). */
const PATTERN_MEANING: Record<string, string> = {
  'aws.region': 'an AWS region such as us-east-1 or eu-west-2',
  'aws.bucket': 'an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or a digit',
  'aws.prefix': 'empty, or a key prefix whose segments each end in / (e.g. claims/)',
  'glue.role_arn': 'an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>',
  'glue.jobs.cleanse': 'a Glue job name: letters, digits, _, . and -, at most 255',
  'glue.jobs.load': 'a Glue job name: letters, digits, _, . and -, at most 255',
  'glue.code_prefix': 'a key prefix ending in / (e.g. _deploy/)',
  'snowflake.account': 'a Snowflake account identifier such as xy12345.eu-west-1 or myorg-myaccount',
  'snowflake.auth.password_env': 'the name of an environment variable (upper-case letters, digits and _): the variable holds the password, the profile only names it',
  'snowflake.auth.passphrase_env': 'the name of an environment variable (upper-case letters, digits and _): the variable holds the passphrase, the profile only names it',
  'duckdb.memory_limit': 'a size such as 1536MB or 2GB',
};

function patternMessage(path: string, fallback: string): string {
  // profiles.<name>.<key...>
  const key = path.split('.').slice(2).join('.');
  const meaning = PATTERN_MEANING[key] ?? (key.startsWith('aws.endpoints.') ? 'a URL such as http://127.0.0.1:4566' : undefined);
  return meaning ? `must be ${meaning}` : fallback;
}

function describe(e: ErrorObject): ProfileProblem {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(file)';
  switch (e.keyword) {
    case 'pattern':
      return { path, message: patternMessage(path, e.message ?? 'has the wrong form') };
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

/** What a profile of kind aws must say for itself (nothing defaults a bucket, a role or an account). */
const AWS_REQUIRED = ['aws.bucket', 'glue.role_arn', 'snowflake.account', 'snowflake.user', 'snowflake.auth'] as const;

function at(raw: RawProfile, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), raw);
}

/** Checks of one aws profile past the schema: what is required, and settings that must agree. */
function awsProblems(prefix: string, p: RawProfile): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  for (const key of AWS_REQUIRED) if (at(p, key) === undefined) out.push({ path: `${prefix}.${key}`, message: 'required for a profile of kind aws' });
  if (p.aws?.encryption?.mode === 'sse-kms' && !p.aws.encryption.kms_key_id) out.push({ path: `${prefix}.aws.encryption.kms_key_id`, message: 'required with mode sse-kms (the KMS key id or ARN)' });
  if (p.aws?.encryption?.mode === 'sse-s3' && p.aws.encryption.kms_key_id) out.push({ path: `${prefix}.aws.encryption.kms_key_id`, message: 'only with mode sse-kms' });
  const auth = p.snowflake?.auth as Record<string, unknown> | undefined;
  if (auth) {
    const allowed: Record<string, string[]> = { key_pair: ['private_key_file', 'keychain', 'passphrase_env'], password: ['password_env', 'keychain'], browser_sso: [] };
    const method = String(auth.method);
    for (const k of Object.keys(auth)) if (k !== 'method' && !(allowed[method] ?? []).includes(k)) out.push({ path: `${prefix}.snowflake.auth.${k}`, message: `not used by method ${method}; it takes ${(allowed[method] ?? []).join(', ') || 'nothing else'}` });
    if (method === 'key_pair' && !auth.private_key_file && !auth.keychain) out.push({ path: `${prefix}.snowflake.auth.private_key_file`, message: 'required with method key_pair (the path of the private key, .p8), unless the key is in the OS keychain (keychain)' });
    if (method === 'key_pair' && auth.private_key_file && auth.keychain) out.push({ path: `${prefix}.snowflake.auth`, message: 'method key_pair takes one of private_key_file (a key file) or keychain (the OS keychain entry holding the key)' });
    if (method === 'password' && !auth.password_env === !auth.keychain) out.push({ path: `${prefix}.snowflake.auth`, message: 'method password takes one of password_env (an environment variable holding it) or keychain (the OS keychain entry)' });
  }
  if ((p.snowflake?.load_route ?? AWS_DEFAULTS.snowflake.load_route) === 'external_stage' && !p.snowflake?.storage_integration && !p.emulator) {
    out.push({ path: `${prefix}.snowflake.storage_integration`, message: 'required with load_route external_stage (the integration that lets Snowflake read the lake); or use load_route internal_stage' });
  }
  return out;
}

/** Semantic checks past the schema. */
function semanticProblems(doc: ProfilesFile): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  for (const [name, p] of Object.entries(doc.profiles)) {
    const prefix = `profiles.${name}`;
    if (BUILT_IN_PROFILES.has(name)) out.push({ path: prefix, message: `"${name}" is a built-in profile; choose another name` });
    if (p.schedule !== undefined) {
      try {
        nextRuns(p.schedule, new Date(), 1);
      } catch (err) {
        out.push({ path: `${prefix}.schedule`, message: err instanceof CronError ? err.message : String(err) });
      }
    }
    const kind = p.kind ?? 'local';
    if (kind === 'aws') {
      out.push(...awsProblems(prefix, p));
      // Glue job 1 cleanses on aws; the engine choice is the local profile's
      if (p.cleanse !== undefined) out.push({ path: `${prefix}.cleanse`, message: 'only profiles of kind local have this (on aws, Glue job 1 cleanses)' });
    } else for (const k of AWS_SECTIONS) if (p[k] !== undefined) out.push({ path: `${prefix}.${k}`, message: 'only profiles of kind aws have this' });
    const target = kind === 'aws' ? 'snowflake' : 'local';
    if (p.dbt?.target !== undefined && p.dbt.target !== target) out.push({ path: `${prefix}.dbt.target`, message: `a profile of kind ${kind} builds dbt's ${target} target` });
  }
  if (doc.active && !BUILT_IN_PROFILES.has(doc.active) && !ownEntry(doc.profiles, doc.active)) {
    out.push({ path: 'active', message: `no profile named "${doc.active}"; defined: ${[...BUILT_IN_PROFILES.keys(), ...Object.keys(doc.profiles)].join(', ')}` });
  }
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

/** Merges a profile over the defaults of its kind. */
function resolveProfile(name: string, raw: RawProfile): Profile {
  const retry = raw.retry ?? {};
  const base = {
    name,
    description: raw.description,
    schedule: raw.schedule,
    freshness_hours: raw.freshness_hours ?? LOCAL_PROFILE.freshness_hours,
    generate: { ...LOCAL_PROFILE.generate, ...(raw.generate ?? {}) },
    retry: {
      maxAttempts: retry.max_attempts ?? LOCAL_PROFILE.retry.maxAttempts,
      baseDelayMs: retry.base_delay_ms ?? LOCAL_PROFILE.retry.baseDelayMs,
      maxDelayMs: retry.max_delay_ms ?? LOCAL_PROFILE.retry.maxDelayMs,
      jitter: retry.jitter ?? LOCAL_PROFILE.retry.jitter,
    },
    timeouts: { ...LOCAL_PROFILE.timeouts, ...(raw.timeouts ?? {}) },
    duckdb: { ...LOCAL_PROFILE.duckdb, ...(raw.duckdb ?? {}) },
  };
  if ((raw.kind ?? 'local') === 'local') return { ...base, kind: 'local', cleanse: { ...LOCAL_PROFILE.cleanse, ...(raw.cleanse ?? {}) }, dbt: { ...LOCAL_PROFILE.dbt, ...(raw.dbt?.threads ? { threads: raw.dbt.threads } : {}) } };
  // validated: the required keys are there (awsProblems)
  const r = raw as Required<Pick<RawProfile, 'aws' | 'glue' | 'snowflake'>> & RawProfile;
  return {
    ...base,
    kind: 'aws',
    emulator: raw.emulator ?? false,
    aws: { ...AWS_DEFAULTS.aws, ...r.aws } as AwsProfile['aws'],
    glue: { ...AWS_DEFAULTS.glue, ...r.glue, jobs: { ...AWS_DEFAULTS.glue.jobs, ...(r.glue.jobs ?? {}) } } as AwsProfile['glue'],
    snowflake: { ...AWS_DEFAULTS.snowflake, ...r.snowflake } as AwsProfile['snowflake'],
    auto_deploy: raw.auto_deploy ?? false,
    dbt: { ...AWS_DEFAULTS.dbt, ...(raw.dbt?.threads ? { threads: raw.dbt.threads } : {}) },
  };
}

export async function listProfiles(path: string): Promise<{ active: string; profiles: Profile[] }> {
  const doc = await readProfilesFile(path);
  return { active: doc.active ?? LOCAL_PROFILE.name, profiles: [...BUILT_IN_PROFILES.values(), ...Object.entries(doc.profiles).map(([n, raw]) => resolveProfile(n, raw))] };
}

export async function loadProfile(path: string, name?: string): Promise<Profile> {
  const doc = await readProfilesFile(path);
  const wanted = name ?? doc.active ?? LOCAL_PROFILE.name;
  const problem = profileNameProblem(wanted);
  if (problem) throw new ProfileError(path, [{ path: 'profile', message: problem }]);
  const builtIn = BUILT_IN_PROFILES.get(wanted);
  if (builtIn) return builtIn;
  const raw = ownEntry(doc.profiles, wanted);
  if (!raw) throw new ProfileError(path, [{ path: `profiles.${wanted}`, message: `no such profile; defined: ${[...BUILT_IN_PROFILES.keys(), ...Object.keys(doc.profiles)].join(', ')}` }]);
  return resolveProfile(wanted, raw);
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
