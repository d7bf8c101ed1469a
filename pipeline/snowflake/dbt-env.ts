// What `dbt build --target snowflake` needs from a profile: the environment dbt/profiles.yml reads
// (SNOWFLAKE_*), secrets included as environment variables only (never arguments), and, on the
// emulator, the switch that puts the project's emulator overlay on dbt's macro path
// (dbt/emulator_overlay/). The lead's run/environment.ts passes `env` and `args` to
// DbtTransformer (pipeline/transform/dbt.ts).

import { isEmulated, type SnowflakeSettings } from './settings.ts';
import { readPrivateKey, readSecret } from './secrets.ts';

export interface DbtSnowflakeInvocation {
  target: 'snowflake';
  threads: number;
  /** SNOWFLAKE_* and CLAIMS_DBT_* for dbt/profiles.yml; the secret ones are named *PASSWORD*, *PRIVATE_KEY*, *PASSPHRASE* (redacted by name) */
  env: Record<string, string>;
  /** extra dbt arguments, nothing secret */
  args: string[];
}

/** The names of the variables in `env` that hold secrets. */
export const DBT_SECRET_VARIABLES = ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_PRIVATE_KEY', 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE'] as const;

export async function dbtSnowflakeInvocation(settings: SnowflakeSettings, options: { env?: NodeJS.ProcessEnv } = {}): Promise<DbtSnowflakeInvocation> {
  const emulated = isEmulated(settings);
  // one thread on the emulator: concurrent MERGEs collide in fakesnow's own bookkeeping
  const threads = emulated ? 1 : (settings.threads ?? 4);
  const env: Record<string, string> = {
    CLAIMS_DBT_TARGET: 'snowflake',
    CLAIMS_DBT_THREADS: String(threads),
    SNOWFLAKE_ACCOUNT: settings.account,
    SNOWFLAKE_USER: settings.user,
    SNOWFLAKE_ROLE: settings.role,
    SNOWFLAKE_WAREHOUSE: settings.warehouse,
    SNOWFLAKE_DATABASE: settings.database,
    SNOWFLAKE_SCHEMA: settings.schemas.dbt,
  };
  if (emulated) env.CLAIMS_DBT_EMULATOR_OVERLAY = '1';
  if (settings.endpoint) {
    env.SNOWFLAKE_HOST = settings.endpoint.host;
    env.SNOWFLAKE_PORT = String(settings.endpoint.port);
    env.SNOWFLAKE_PROTOCOL = settings.endpoint.protocol;
  }
  const auth = settings.auth;
  if (auth.method === 'password') {
    env.SNOWFLAKE_PASSWORD = await readSecret(auth.password, options.env);
  } else if (auth.method === 'key_pair') {
    env.SNOWFLAKE_AUTHENTICATOR = 'snowflake_jwt';
    if (auth.privateKey.from === 'file') {
      // checked here (readable, decrypts), then dbt reads the file itself
      await readPrivateKey(auth.privateKey, auth.passphrase, options.env);
      env.SNOWFLAKE_PRIVATE_KEY_PATH = auth.privateKey.path;
      if (auth.passphrase) env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = await readSecret(auth.passphrase, options.env);
    } else {
      // from a variable or the keychain: the decrypted PEM, so no passphrase travels
      env.SNOWFLAKE_PRIVATE_KEY = (await readPrivateKey(auth.privateKey, auth.passphrase, options.env)).export({ type: 'pkcs8', format: 'pem' }).toString();
    }
  } else {
    env.SNOWFLAKE_AUTHENTICATOR = 'externalbrowser';
  }
  return { target: 'snowflake', threads, env, args: [] };
}
