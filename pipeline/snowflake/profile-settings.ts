// A profile of kind aws as the Snowflake code takes it (settings.ts): the same account, roles and
// schemas, the secret references unchanged, and for an emulator profile the address of the
// workspace's emulator (the Node driver goes through its adapter, dbt's Python connector to
// fakesnow itself).

import type { EmulatorInfo } from '../emulator/record.ts';
import type { AwsProfile } from '../profiles/types.ts';
import type { SnowflakeAuth, SnowflakeEndpoint, SnowflakeSettings } from './settings.ts';

/** the emulator takes any password; the variable is set for its profile, never for a real account */
export const EMULATOR_PASSWORD_ENV = 'CLAIMS_EMULATOR_PASSWORD';

function auth(a: AwsProfile['snowflake']['auth']): SnowflakeAuth {
  switch (a.method) {
    case 'key_pair':
      return {
        method: 'key_pair',
        privateKey: 'keychain' in a ? { from: 'keychain', service: a.keychain.service, account: a.keychain.account } : { from: 'file', path: a.private_key_file },
        ...(a.passphrase_env ? { passphrase: { from: 'env', variable: a.passphrase_env } } : {}),
      };
    case 'password':
      return { method: 'password', password: 'keychain' in a ? { from: 'keychain', service: a.keychain.service, account: a.keychain.account } : { from: 'env', variable: a.password_env } };
    case 'browser_sso':
      return { method: 'browser_sso' };
  }
}

function endpointOf(url: string): SnowflakeEndpoint {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), protocol: u.protocol === 'https:' ? 'https' : 'http' };
}

export function snowflakeSettingsFor(profile: AwsProfile, emulator: EmulatorInfo | null, client: 'node' | 'python'): SnowflakeSettings {
  const sf = profile.snowflake;
  // any password logs in; not a word of the messages, which redaction would scrub ("the [redacted]'s")
  if (emulator) process.env[EMULATOR_PASSWORD_ENV] ??= 'claims-emulator-login';
  const endpoint = emulator ? endpointOf(client === 'node' ? emulator.endpoints.snowflakeNode : emulator.endpoints.snowflakePython) : sf.endpoint;
  return {
    account: sf.account,
    user: sf.user,
    role: sf.role,
    warehouse: sf.warehouse,
    database: sf.database,
    schemas: { raw: sf.raw_schema, dbt: 'PUBLIC' },
    auth: auth(sf.auth),
    loadRoute: sf.load_route,
    ...(sf.storage_integration ? { storageIntegration: sf.storage_integration } : {}),
    lakeUrl: `s3://${profile.aws.bucket}/${profile.aws.prefix}`,
    objects: { readerRole: sf.reader_role },
    threads: profile.dbt.threads,
    ...(endpoint ? { endpoint } : {}),
  };
}
