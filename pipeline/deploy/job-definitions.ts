// The Glue job definitions deploy wants: glue/jobs/<job>.job.json (the defaults: Glue version,
// worker type and count, timeout, retries, concurrency, default arguments, modules) with the
// profile's overrides on top, and the code of the deployed version. Each setting says where its
// value came from, so the plan can show which applies. Compared with GetJob's answer member by member.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Job, JobUpdate, WorkerType } from '@aws-sdk/client-glue';
import type { AwsProfile } from '../profiles/types.ts';
import type { GlueJobKind } from './artifacts.ts';

const JobFile = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1 }),
    description: Type.String(),
    script: Type.String({ pattern: '^jobs/[\\w-]+\\.py$' }),
    command: Type.Literal('glueetl'),
    glue_version: Type.String({ pattern: '^\\d+\\.\\d+$' }),
    python_version: Type.Literal('3'),
    worker_type: Type.Union(['G.025X', 'G.1X', 'G.2X', 'G.4X', 'G.8X'].map((t) => Type.Literal(t))),
    number_of_workers: Type.Integer({ minimum: 2 }),
    timeout_minutes: Type.Integer({ minimum: 1 }),
    max_retries: Type.Integer({ minimum: 0 }),
    max_concurrent_runs: Type.Integer({ minimum: 1 }),
    python_modules: Type.Array(Type.String({ minLength: 1 })),
    default_arguments: Type.Record(Type.String({ pattern: '^--' }), Type.String()),
    run_arguments: Type.Record(Type.String({ pattern: '^--' }), Type.String()),
  },
  { additionalProperties: false },
);
export type JobFile = Static<typeof JobFile>;
const validateJobFile = new Ajv2020({ allErrors: true, strict: false }).compile<JobFile>(JobFile);

/** the package the jobs' wheel provides, as job.json's python_modules names it */
export const WHEEL_MODULE = 'hfc-glue';
/** the default argument that records which code version a job runs (check and run compare it) */
export const VERSION_ARGUMENT = '--hfc-deploy-version';

export async function readJobFile(root: string, job: GlueJobKind): Promise<JobFile> {
  const file = join(root, 'glue', 'jobs', `${job}.job.json`);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!validateJobFile(doc)) {
    const problems = (validateJobFile.errors ?? []).map((e) => `${e.instancePath.slice(1).replaceAll('/', '.') || '(file)'}: ${e.message ?? e.keyword}`);
    throw new Error(`${file} is not a Glue job definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return doc;
}

export type SettingSource = 'job.json' | 'profile' | 'deploy';

export interface JobSetting {
  /** the Glue member, e.g. WorkerType, DefaultArguments.--route */
  field: string;
  value: string | number;
  source: SettingSource;
}

export interface DesiredJob {
  kind: GlueJobKind;
  name: string;
  version: string;
  definition: JobUpdate;
  settings: JobSetting[];
}

/** What the load job needs to know of Snowflake, from the profile (the rest is in its secret). */
export interface LoadTarget {
  route: 'external_stage' | 'internal_stage';
  database: string;
  schema: string;
  stage: string;
}

export interface JobCode {
  version: string;
  scriptUri: string;
  wheelUri: string;
}

export function desiredJob(kind: GlueJobKind, file: JobFile, profile: AwsProfile, code: JobCode, load: LoadTarget): DesiredJob {
  const settings: JobSetting[] = [];
  const pick = <T extends string | number>(field: string, fromProfile: T | undefined, fromFile: T): T => {
    const value = fromProfile ?? fromFile;
    settings.push({ field, value, source: fromProfile === undefined ? 'job.json' : 'profile' });
    return value;
  };
  const fixed = <T extends string | number>(field: string, value: T, source: SettingSource): T => {
    settings.push({ field, value, source });
    return value;
  };
  const role = fixed('Role', profile.glue.role_arn, 'profile');
  const glueVersion = fixed('GlueVersion', file.glue_version, 'job.json');
  const workerType = pick('WorkerType', profile.glue.worker_type, file.worker_type);
  const workers = pick('NumberOfWorkers', profile.glue.workers, file.number_of_workers);
  const timeout = pick('Timeout', profile.glue.timeout_minutes, file.timeout_minutes);
  const retries = fixed('MaxRetries', file.max_retries, 'job.json');
  const concurrent = fixed('ExecutionProperty.MaxConcurrentRuns', file.max_concurrent_runs, 'job.json');
  fixed('Command.ScriptLocation', code.scriptUri, 'deploy');

  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.default_arguments)) args[k] = fixed(`DefaultArguments.${k}`, v, 'job.json');
  if (kind === 'load') {
    // where job 2 loads: the profile's Snowflake side, over job.json's defaults
    for (const [k, v] of Object.entries({ '--route': load.route, '--database': load.database, '--schema': load.schema, '--stage': load.stage })) {
      args[k] = v;
      const at = settings.findIndex((s) => s.field === `DefaultArguments.${k}`);
      const setting = { field: `DefaultArguments.${k}`, value: v, source: 'profile' as const };
      if (at >= 0) settings[at] = setting;
      else settings.push(setting);
    }
  }
  const modules = file.python_modules.map((m) => (m === WHEEL_MODULE ? code.wheelUri : m)).join(',');
  args['--additional-python-modules'] = fixed('DefaultArguments.--additional-python-modules', modules, 'deploy');
  args[VERSION_ARGUMENT] = fixed(`DefaultArguments.${VERSION_ARGUMENT}`, code.version, 'deploy');

  return {
    kind,
    name: profile.glue.jobs[kind],
    version: code.version,
    settings,
    definition: {
      Description: file.description,
      Role: role,
      Command: { Name: file.command, ScriptLocation: code.scriptUri, PythonVersion: file.python_version },
      GlueVersion: glueVersion,
      WorkerType: workerType as WorkerType,
      NumberOfWorkers: workers,
      Timeout: timeout,
      MaxRetries: retries,
      ExecutionProperty: { MaxConcurrentRuns: concurrent },
      DefaultArguments: args,
    },
  };
}

export interface FieldChange {
  field: string;
  have: string;
  want: string;
}

const show = (v: unknown): string => (v === undefined || v === null ? '(none)' : String(v));

/** How the deployed job (GetJob) differs from the desired definition; none means unchanged. */
export function jobChanges(have: Job, want: JobUpdate): FieldChange[] {
  const out: FieldChange[] = [];
  const cmp = (field: string, a: unknown, b: unknown) => {
    if (show(a) !== show(b)) out.push({ field, have: show(a), want: show(b) });
  };
  cmp('Description', have.Description, want.Description);
  cmp('Role', have.Role, want.Role);
  cmp('Command.Name', have.Command?.Name, want.Command?.Name);
  cmp('Command.ScriptLocation', have.Command?.ScriptLocation, want.Command?.ScriptLocation);
  cmp('Command.PythonVersion', have.Command?.PythonVersion, want.Command?.PythonVersion);
  cmp('GlueVersion', have.GlueVersion, want.GlueVersion);
  cmp('WorkerType', have.WorkerType, want.WorkerType);
  cmp('NumberOfWorkers', have.NumberOfWorkers, want.NumberOfWorkers);
  cmp('Timeout', have.Timeout, want.Timeout);
  cmp('MaxRetries', have.MaxRetries, want.MaxRetries);
  cmp('ExecutionProperty.MaxConcurrentRuns', have.ExecutionProperty?.MaxConcurrentRuns, want.ExecutionProperty?.MaxConcurrentRuns);
  const a = have.DefaultArguments ?? {};
  const b = want.DefaultArguments ?? {};
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) cmp(`DefaultArguments.${k}`, a[k], b[k]);
  return out;
}
