/**
 * The AWS SDK v3 clients the product uses, built from a profile's region and optional endpoint
 * overrides (how the cloud emulator is reached). Credentials are never passed in: every client
 * resolves them through the SDK's default provider chain (environment variables, the shared
 * config and credentials files with named profiles via AWS_PROFILE, SSO, process credentials,
 * web identity, container and instance roles), so no key ever sits in the project's files.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';

export const AWS_SERVICES = ['s3', 'glue', 'logs', 'iam', 'sts', 'secretsmanager'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

export interface AwsSettings {
  region: string;
  /** Endpoint overrides per service (http(s) URLs); absent means AWS itself. */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Attempts per call, the SDK's own retries of transient failures included (default 3). */
  maxAttempts?: number;
  /**
   * Only for the cloud emulator, which takes fixed dummy keys: every real account's credentials come
   * from the SDK's default provider chain, never from here.
   */
  emulatorCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface AwsClients {
  readonly settings: AwsSettings;
  readonly s3: S3Client;
  readonly glue: GlueClient;
  readonly logs: CloudWatchLogsClient;
  /** deploy and check: the Glue role, the caller's identity, Glue job 2's Snowflake secret */
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly secrets: SecretsManagerClient;
  /** The endpoint override of a service, if any (for error messages). */
  endpoint(service: AwsService): string | undefined;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/** A setting the clients cannot be built from; names the key. */
export class AwsSettingsError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`AWS setting ${key}: ${detail}`);
    this.name = 'AwsSettingsError';
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const CONNECT_TIMEOUT_MS = 5_000;

export function validateAwsSettings(settings: AwsSettings): void {
  if (!REGION.test(settings.region)) throw new AwsSettingsError('region', `"${settings.region}" is not an AWS region name (e.g. us-east-1, eu-west-2).`);
  for (const [service, url] of Object.entries(settings.endpoints ?? {})) {
    if (url === undefined) continue;
    if (!(AWS_SERVICES as readonly string[]).includes(service)) throw new AwsSettingsError(`endpoints.${service}`, `unknown service (${AWS_SERVICES.join(', ')}).`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AwsSettingsError(`endpoints.${service}`, `"${url}" is not a URL (e.g. http://127.0.0.1:5000).`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AwsSettingsError(`endpoints.${service}`, `"${url}" must be an http:// or https:// URL.`);
    if (parsed.username || parsed.password) throw new AwsSettingsError(`endpoints.${service}`, 'must not carry credentials; they come from the AWS provider chain.');
  }
  const attempts = settings.maxAttempts;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)) {
    throw new AwsSettingsError('maxAttempts', `must be a whole number from 1 to 10, got ${attempts}.`);
  }
}

export function awsClients(settings: AwsSettings): AwsClients {
  validateAwsSettings(settings);
  const endpoints = settings.endpoints ?? {};
  const common = {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
    ...(settings.emulatorCredentials ? { credentials: settings.emulatorCredentials } : {}),
  };
  const s3 = new S3Client({
    ...common,
    ...(endpoints.s3
      ? // an endpoint override (the emulator, a VPC endpoint) addresses buckets by path
        { endpoint: endpoints.s3, forcePathStyle: true }
      : { followRegionRedirects: true }),
  });
  const glue = new GlueClient({ ...common, ...(endpoints.glue ? { endpoint: endpoints.glue } : {}) });
  const logs = new CloudWatchLogsClient({ ...common, ...(endpoints.logs ? { endpoint: endpoints.logs } : {}) });
  const iam = new IAMClient({ ...common, ...(endpoints.iam ? { endpoint: endpoints.iam } : {}) });
  const sts = new STSClient({ ...common, ...(endpoints.sts ? { endpoint: endpoints.sts } : {}) });
  const secrets = new SecretsManagerClient({ ...common, ...(endpoints.secretsmanager ? { endpoint: endpoints.secretsmanager } : {}) });
  return {
    settings,
    s3,
    glue,
    logs,
    iam,
    sts,
    secrets,
    endpoint: (service) => endpoints[service],
    destroy() {
      for (const c of [s3, glue, logs, iam, sts, secrets]) c.destroy();
    },
  };
}
