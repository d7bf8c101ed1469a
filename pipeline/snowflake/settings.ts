// What the product needs to know to reach a Snowflake account: the lead maps an `aws` profile's
// `snowflake` section onto this type (pipeline/profiles owns the YAML and its validation). It
// holds references to secrets, never a secret: an environment variable's name, a key file's path,
// or a keychain entry's name. See docs/cloud.md, "Snowflake".

/** Where a secret is read from when it is needed; the value itself is never in a profile. */
export type SecretRef =
  /** the value of this environment variable */
  | { from: 'env'; variable: string }
  /** an entry of the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) */
  | { from: 'keychain'; service: string; account: string };

/** A private key for key-pair authentication: a PEM file on disk, or PEM text behind a secret reference. */
export type PrivateKeyRef = SecretRef | { from: 'file'; path: string };

export type SnowflakeAuth =
  /** key-pair (JWT) authentication, the one for service users; the passphrase is for an encrypted key */
  | { method: 'key_pair'; privateKey: PrivateKeyRef; passphrase?: SecretRef }
  | { method: 'password'; password: SecretRef }
  /** browser SSO through the account's identity provider (a person at a desktop, never a service) */
  | { method: 'browser_sso' };

/** The emulator (or a private-link host): where the driver connects instead of <account>.snowflakecomputing.com. */
export interface SnowflakeEndpoint {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface SnowflakeSchemas {
  /** where Glue job 2 loads the batches (the tables of pipeline/warehouse/duckdb.ts, upper-case) */
  raw: string;
  /** dbt's target schema; the layers get their own schemas (STAGING, INTERMEDIATE, MARTS, ...) beside it */
  dbt: string;
}

/** The names deploy gives the objects it creates; defaults in deploy/objects.ts. */
export interface SnowflakeObjectNames {
  /** the Parquet file format, in the RAW schema */
  fileFormat?: string;
  /** the stage Glue job 2 loads from, in the RAW schema (glue/hfc_glue/load_job.py --stage) */
  stage?: string;
  /** the role the app's reads use: SELECT only; PII columns masked for it */
  readerRole?: string;
  /** the role that sees PII columns in clear */
  piiRole?: string;
}

export interface SnowflakeSettings {
  /** account identifier, e.g. `xy12345.eu-west-1` or `myorg-myaccount` */
  account: string;
  user: string;
  /** the role the pipeline works as (load, transform, verify, deploy) */
  role: string;
  warehouse: string;
  database: string;
  schemas: SnowflakeSchemas;
  auth: SnowflakeAuth;
  /** how Glue job 2 reaches the data: an external stage on the lake (real accounts) or PUT to an internal stage */
  loadRoute: 'external_stage' | 'internal_stage';
  /** the storage integration an external stage uses (created by an ACCOUNTADMIN; see docs/cloud.md) */
  storageIntegration?: string;
  /** s3://bucket/prefix of the lake, for the external stage */
  lakeUrl?: string;
  objects?: SnowflakeObjectNames;
  /** auto-suspend of the warehouse, seconds (deploy sets it; default 60) */
  autoSuspendSeconds?: number;
  /** the longest one statement may run before it is cancelled (default 120 s) */
  statementTimeoutSeconds?: number;
  /** the longest a login may take (default 60 s) */
  loginTimeoutSeconds?: number;
  /** dbt threads (default 4) */
  threads?: number;
  /** loopback host of the cloud emulator, or another endpoint; absent for Snowflake itself */
  endpoint?: SnowflakeEndpoint;
}

export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 120;
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 60;

/** Where the settings point, for people and for run records (no secret in it). */
export function snowflakeLocation(s: Pick<SnowflakeSettings, 'account' | 'database' | 'endpoint'>): string {
  const where = s.endpoint ? `${s.endpoint.protocol}://${s.endpoint.host}:${s.endpoint.port}` : `${s.account}.snowflakecomputing.com`;
  return `snowflake://${s.account}/${s.database} (${where})`;
}

/** Whether the settings point at the cloud emulator rather than at Snowflake (a loopback endpoint). */
export function isEmulated(s: Pick<SnowflakeSettings, 'endpoint'>): boolean {
  return s.endpoint !== undefined && /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(s.endpoint.host);
}
