// SnowflakeSettings for the test run's cloud emulator (pipeline/emulator/testing), one database per
// test file so files never see each other's objects. The password is a random value in an
// environment variable, so a test can grep everything it wrote for it.

import { randomBytes } from 'node:crypto';
import type { EmulatorInfo } from '../../emulator/record.ts';
import { snowflakeNodeAddress } from '../../emulator/testing/shared.ts';
import type { SnowflakeSettings } from '../settings.ts';

export function testSecret(): string {
  return `pw-${randomBytes(12).toString('hex')}`;
}

export function emulatorSettings(emulator: EmulatorInfo, database: string, overrides: Partial<SnowflakeSettings> = {}): SnowflakeSettings {
  return {
    account: 'emulator',
    user: 'CLAIMS_TEST',
    role: 'SYSADMIN',
    warehouse: 'COMPUTE_WH',
    database,
    schemas: { raw: 'RAW', dbt: 'PUBLIC' },
    auth: { method: 'password', password: { from: 'env', variable: 'CLAIMS_TEST_SNOWFLAKE_PASSWORD' } },
    loadRoute: 'internal_stage',
    statementTimeoutSeconds: 30,
    loginTimeoutSeconds: 20,
    endpoint: snowflakeNodeAddress(emulator),
    ...overrides,
  };
}

/** The emulator's fakesnow itself, for the Python connector (dbt-snowflake). */
export function pythonEndpoint(emulator: EmulatorInfo): { host: string; port: number; protocol: 'http' } {
  const url = new URL(emulator.endpoints.snowflakePython);
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}
