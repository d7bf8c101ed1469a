// dbt on Snowflake from a profile's settings: `dbt debug --target snowflake` with the environment
// dbtSnowflakeInvocation builds reaches the emulator's fakesnow (dbt-snowflake, Python connector)
// and logs in; the secret travels in the environment only.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorInfo } from '../emulator/record.ts';
import { sharedEmulator } from '../emulator/testing/shared.ts';
import { tempDir } from '../testing/tmp.ts';
import { dbtSnowflakeInvocation } from './dbt-env.ts';
import { emulatorSettings, pythonEndpoint, testSecret } from './testing/emulator-settings.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DBT = join(ROOT, '.venv', 'bin', 'dbt');
let emulator: EmulatorInfo;

beforeAll(async () => {
  emulator = await sharedEmulator();
});

describe('dbt environment for the snowflake target', () => {
  it('carries the settings, and secrets only as environment variables', async () => {
    const secret = testSecret();
    const inv = await dbtSnowflakeInvocation(emulatorSettings(emulator, 'DBT_TEST', { endpoint: pythonEndpoint(emulator) }), { env: { CLAIMS_TEST_SNOWFLAKE_PASSWORD: secret } });
    expect(inv.env).toMatchObject({ CLAIMS_DBT_TARGET: 'snowflake', CLAIMS_DBT_THREADS: '1', SNOWFLAKE_ACCOUNT: 'emulator', SNOWFLAKE_USER: 'CLAIMS_TEST', SNOWFLAKE_DATABASE: 'DBT_TEST', SNOWFLAKE_SCHEMA: 'PUBLIC', SNOWFLAKE_HOST: '127.0.0.1', SNOWFLAKE_PROTOCOL: 'http', SNOWFLAKE_PASSWORD: secret, CLAIMS_DBT_EMULATOR_OVERLAY: '1' });
    expect(inv.args).toEqual([]);
    expect(inv.args.join(' ')).not.toContain(secret);
    const real = await dbtSnowflakeInvocation({ ...emulatorSettings(emulator, 'X'), endpoint: undefined, threads: 8, auth: { method: 'browser_sso' } });
    expect(real).toMatchObject({ threads: 8, args: [], env: { SNOWFLAKE_AUTHENTICATOR: 'externalbrowser' } });
    expect(Object.keys(real.env).some((k) => k.startsWith('SNOWFLAKE_HOST'))).toBe(false);
    // a real account gets the plain project: no emulator overlay
    expect(real.env.CLAIMS_DBT_EMULATOR_OVERLAY).toBeUndefined();
  });

  it.skipIf(!existsSync(DBT))('dbt debug logs in to the emulator with it', async () => {
    const secret = testSecret();
    const inv = await dbtSnowflakeInvocation(emulatorSettings(emulator, 'DBT_TEST', { endpoint: pythonEndpoint(emulator) }), { env: { CLAIMS_TEST_SNOWFLAKE_PASSWORD: secret } });
    const work = await tempDir('claims-dbt-sf-');
    try {
      const project = join(ROOT, 'dbt');
      const r = spawnSync(DBT, ['debug', '--project-dir', project, '--profiles-dir', project, '--target', inv.target, '--log-path', join(work.dir, 'logs'), '--no-use-colors', ...inv.args], {
        cwd: project,
        env: { PATH: process.env.PATH, HOME: work.dir, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', ...inv.env, DBT_TARGET_PATH: join(work.dir, 'target') },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.stdout).toMatch(/Connection test: \[OK connection ok\]/);
      expect(r.stdout).toMatch(/host: 127\.0\.0\.1/);
      expect(r.status).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(secret);
    } finally {
      await work.cleanup();
    }
  });
});
