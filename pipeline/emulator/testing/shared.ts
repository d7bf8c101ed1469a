// The test run's cloud emulator (see global-setup.ts) and clients for it, for the cloud tests:
//   const emulator = await sharedEmulator();   // in beforeAll; starts it on first use
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { inject } from 'vitest';
import type { AwsSettings } from '../../aws/clients.ts';
import { startEmulator } from '../controller.ts';
import type { EmulatorInfo } from '../record.ts';

/** the dummy credentials the emulator takes */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' } as const;
export const EMULATOR_REGION = 'us-east-1';
/** the test emulator's limit for one Snowflake statement */
export const TEST_STATEMENT_TIMEOUT_SECONDS = 60;

/** The one Snowflake user whose password the test emulator checks (loginCheckPassword()); any other logs in with any. */
export const LOGIN_CHECK_USER = 'HFC_LOGIN_CHECK';
export const loginCheckPassword = (): string => inject('claimsEmulatorLoginCheckPassword');

export function sharedEmulator(): Promise<EmulatorInfo> {
  return startEmulator(inject('claimsEmulatorWorkspace'), {
    ownerPid: inject('claimsEmulatorOwnerPid'),
    statementTimeoutSeconds: TEST_STATEMENT_TIMEOUT_SECONDS,
    snowflakeUsers: { [LOGIN_CHECK_USER]: loginCheckPassword() },
  });
}

/** Settings for an AWS SDK v3 client (S3, Glue, CloudWatch Logs) on the emulator. */
export function awsClientConfig(emulator: EmulatorInfo, service: 's3' | 'glue' | 'logs') {
  return { endpoint: emulator.endpoints[service], region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, ...(service === 's3' ? { forcePathStyle: true } : {}) };
}

/**
 * The product's AwsSettings (pipeline/aws/clients.ts) for the emulator: its endpoints, one attempt
 * per call. Those clients take credentials from the provider chain, so put EMULATOR_CREDENTIALS in
 * the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) of the test process.
 */
export function emulatorAwsSettings(emulator: EmulatorInfo): AwsSettings {
  const { s3, glue, logs, iam, sts, secretsmanager } = emulator.endpoints;
  return { region: EMULATOR_REGION, endpoints: { s3, glue, logs, iam, sts, secretsmanager }, maxAttempts: 1 };
}

/** host, port and protocol of the emulator's Snowflake for the Node snowflake-sdk (its adapter) */
export function snowflakeNodeAddress(emulator: EmulatorInfo): { host: string; port: number; protocol: 'http' } {
  const url = new URL(emulator.endpoints.snowflakeNode);
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}

/** Removes every AWS credential source of the developer's machine from this process. */
export function isolateAwsEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (/^AWS_/.test(name)) delete process.env[name];
  }
  process.env.AWS_CONFIG_FILE = join(tmpdir(), 'claims-tests-no-aws-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(tmpdir(), 'claims-tests-no-aws-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * The product's AwsSettings for the test run's emulator, with its dummy credentials put where the
 * SDK's default provider chain finds them first (the environment) and the developer's own AWS
 * profiles out of reach, so a test can never touch a real account.
 */
export async function emulatorAwsForTests(): Promise<AwsSettings> {
  const emulator = await sharedEmulator();
  isolateAwsEnvironment();
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  return emulatorAwsSettings(emulator);
}
