import type { RetryPolicy } from '../orchestrator/types.ts';
import type { PipelineStage } from '../stages/names.ts';

/** What every profile says, whatever runs its stages. */
interface ProfileBase {
  name: string;
  description?: string;
  generate: { seed: number; members: number; providers: number; claims: number; dirty_rate: number; rows_per_file: number };
  retry: RetryPolicy;
  /** per-stage timeout in seconds (0 = none) */
  timeouts: Partial<Record<PipelineStage | 'default', number>>;
  /** cron expression for `claims schedule` */
  schedule?: string;
  freshness_hours: number;
  /** the DuckDB this machine uses: the generator, and locally the cleanse, load and warehouse too */
  duckdb: { threads?: number; memory_limit: string };
}

/** Everything on this machine: a lake folder, DuckDB, dbt-duckdb. */
export interface LocalProfile extends ProfileBase {
  kind: 'local';
  /** which engine cleanses a batch: the DuckDB one, or Glue job 1's code on local PySpark */
  cleanse: { engine: CleanseEngineName };
  dbt: { target: 'local'; threads: number };
}

export const CLEANSE_ENGINES = ['duckdb', 'spark'] as const;
export type CleanseEngineName = (typeof CLEANSE_ENGINES)[number];

/** How a Snowflake user proves who it is; the secret itself is never in the profile. */
export type SnowflakeAuth =
  | { method: 'key_pair'; private_key_file: string; passphrase_env?: string }
  /** the PEM text of the key in an OS keychain entry (stored there by the app) */
  | { method: 'key_pair'; keychain: { service: string; account: string }; passphrase_env?: string }
  | { method: 'password'; password_env: string }
  | { method: 'password'; keychain: { service: string; account: string } }
  | { method: 'browser_sso' };

/** S3 for the lake, AWS Glue for cleanse and load, Snowflake for the warehouse. */
export interface AwsProfile extends ProfileBase {
  kind: 'aws';
  /** endpoints come from the workspace's cloud emulator (the built-in cloud-emulator profile) */
  emulator: boolean;
  aws: {
    region: string;
    bucket: string;
    /** the lake's prefix in the bucket ('' or ending in /) */
    prefix: string;
    encryption: { mode: 'sse-s3' } | { mode: 'sse-kms'; kms_key_id: string };
    endpoints?: { s3?: string; glue?: string; logs?: string; iam?: string; sts?: string; secretsmanager?: string };
  };
  glue: {
    role_arn: string;
    jobs: { cleanse: string; load: string };
    /** overrides of the job-definition files' defaults (glue/jobs/*.json) */
    worker_type?: 'G.025X' | 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X';
    workers?: number;
    timeout_minutes?: number;
    /** where deploy puts the job code in the bucket, versioned below it */
    code_prefix: string;
  };
  snowflake: {
    account: string;
    user: string;
    /** the role the load and transform run as; reads from the app use reader_role */
    role: string;
    reader_role: string;
    warehouse: string;
    database: string;
    /** the schema the load writes; dbt's schemas follow its own naming */
    raw_schema: string;
    auth: SnowflakeAuth;
    load_route: 'external_stage' | 'internal_stage';
    /** the storage integration behind the external stage (external_stage) */
    storage_integration?: string;
    /** how the emulator (or a proxy) is reached instead of <account>.snowflakecomputing.com */
    endpoint?: { host: string; port: number; protocol: 'http' | 'https' };
  };
  /** deploy before a run when the deployment is missing or out of date, instead of refusing */
  auto_deploy: boolean;
  dbt: { target: 'snowflake'; threads: number };
}

/** A pipeline profile: which implementations run the stages, and with what settings. */
export type Profile = LocalProfile | AwsProfile;

type Deep<T> = { [K in keyof T]?: T[K] extends object ? Deep<T[K]> : T[K] };

/** A profile as written in profiles.yaml: every key optional, defaults from the built-in profile of its kind. */
export interface RawProfile {
  kind?: Profile['kind'];
  description?: string;
  generate?: Partial<ProfileBase['generate']>;
  retry?: { max_attempts?: number; base_delay_ms?: number; max_delay_ms?: number; jitter?: number };
  timeouts?: ProfileBase['timeouts'];
  schedule?: string;
  freshness_hours?: number;
  duckdb?: Partial<ProfileBase['duckdb']>;
  cleanse?: Partial<LocalProfile['cleanse']>;
  dbt?: { target?: 'local' | 'snowflake'; threads?: number };
  emulator?: boolean;
  aws?: Deep<Omit<AwsProfile['aws'], 'encryption'>> & { encryption?: { mode?: 'sse-s3' | 'sse-kms'; kms_key_id?: string } };
  glue?: Deep<AwsProfile['glue']>;
  snowflake?: Deep<Omit<AwsProfile['snowflake'], 'auth'>> & { auth?: SnowflakeAuth };
  auto_deploy?: boolean;
}

export interface ProfilesFile {
  active?: string;
  profiles: Record<string, RawProfile>;
}
