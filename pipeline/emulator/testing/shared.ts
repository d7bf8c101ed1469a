// The test run's cloud emulator (see global-setup.ts) and clients for it, for the cloud tests:
//   const emulator = await sharedEmulator();   // in beforeAll; starts it on first use
import { inject } from 'vitest';
import type { AwsSettings } from '../../aws/clients.ts';
import { startEmulator } from '../controller.ts';
import type { EmulatorInfo } from '../record.ts';

/** the dummy credentials the emulator takes */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' } as const;
export const EMULATOR_REGION = 'us-east-1';
/** the test emulator's limit for one Snowflake statement */
export const TEST_STATEMENT_TIMEOUT_SECONDS = 60;

export function sharedEmulator(): Promise<EmulatorInfo> {
  return startEmulator(inject('claimsEmulatorWorkspace'), {
    ownerPid: inject('claimsEmulatorOwnerPid'),
    statementTimeoutSeconds: TEST_STATEMENT_TIMEOUT_SECONDS,
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
  const { s3, glue, logs } = emulator.endpoints;
  return { region: EMULATOR_REGION, endpoints: { s3, glue, logs }, maxAttempts: 1 };
}

/** host, port and protocol of the emulator's Snowflake for the Node snowflake-sdk (its adapter) */
export function snowflakeNodeAddress(emulator: EmulatorInfo): { host: string; port: number; protocol: 'http' } {
  const url = new URL(emulator.endpoints.snowflakeNode);
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}
