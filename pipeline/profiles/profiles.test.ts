import type { LocalProfile } from './types.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { snowflakeSettingsFor } from '../snowflake/profile-settings.ts';
import { tempDir } from '../testing/tmp.ts';
import { activateProfile, listProfiles, loadProfile, ProfileError, saveProfile, validateProfiles } from './load.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('profiles', () => {
  it('has a built-in local profile that needs no file', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const p = await loadProfile(join(dir, 'profiles.yaml'));
    expect(p.name).toBe('local');
    expect(p.kind).toBe('local');
    expect((await listProfiles(join(dir, 'profiles.yaml'))).profiles.map((x) => x.name)).toEqual(['local', 'cloud-emulator']);
  });

  it('names the bad key and the allowed values', () => {
    expect(validateProfiles({ profiles: { dev: { kind: 'cloud' } } })).toEqual([{ path: 'profiles.dev.kind', message: 'must be one of local, aws' }]);
    const [unknown] = validateProfiles({ profiles: { dev: { generate: { sed: 1 } } } });
    expect(unknown!.path).toBe('profiles.dev.generate.sed');
    expect(unknown!.message).toMatch(/unknown key; allowed here: seed, members, providers, claims, dirty_rate, rows_per_file/);
    expect(validateProfiles({ profiles: { dev: { generate: { dirty_rate: 3 } } } })[0]).toEqual({ path: 'profiles.dev.generate.dirty_rate', message: 'must be <= 1' });
    expect(validateProfiles({ profiles: { dev: { schedule: 'every morning' } } })[0]!.path).toBe('profiles.dev.schedule');
    expect(validateProfiles({ active: 'nope', profiles: {} })[0]).toMatchObject({ path: 'active' });
  });

  it('chooses the cleanse engine, DuckDB unless the profile says spark', async () => {
    expect(validateProfiles({ profiles: { dev: { cleanse: { engine: 'glue' } } } })).toEqual([{ path: 'profiles.dev.cleanse.engine', message: 'must be one of duckdb, spark' }]);
    expect(validateProfiles({ profiles: { dev: { cleanse: { engin: 'spark' } } } })).toEqual([{ path: 'profiles.dev.cleanse.engin', message: 'unknown key; allowed here: engine' }]);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'profiles.yaml');
    await writeFile(file, 'profiles:\n  glue:\n    cleanse: { engine: spark }\n');
    expect((await loadProfile(file, 'glue') as LocalProfile).cleanse).toEqual({ engine: 'spark' });
    expect((await loadProfile(file) as LocalProfile).cleanse).toEqual({ engine: 'duckdb' });
  });

  it('reports problems in the file with its path, and merges a profile over the defaults', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'profiles.yaml');
    await writeFile(file, 'profiles:\n  big:\n    generat: {}\n');
    await expect(loadProfile(file, 'big')).rejects.toThrow(ProfileError);
    await expect(loadProfile(file, 'big')).rejects.toThrow(/profiles\.yaml:\n {2}- profiles\.big\.generat: unknown key/);
    await writeFile(file, 'profiles:\n  big:\n    generate: { claims: 1000000 }\n    retry: { max_attempts: 4 }\n');
    const big = await loadProfile(file, 'big');
    expect(big.generate.claims).toBe(1_000_000);
    expect(big.generate.members).toBe(2_000);
    expect(big.retry.maxAttempts).toBe(4);
    await saveProfile(file, 'nightly', { schedule: '0 6 * * *', generate: { seed: 7 } });
    await activateProfile(file, 'nightly');
    const active = await loadProfile(file);
    expect(active.name).toBe('nightly');
    expect(active.schedule).toBe('0 6 * * *');
    await expect(saveProfile(file, 'bad', { kind: 'snowflake' })).rejects.toThrow(/profiles\.bad\.kind: must be one of local/);
  });
});

describe('the Snowflake secret of an aws profile: a reference, in one place', () => {
  const aws = (auth: Record<string, unknown>) => ({
    profiles: { acme: { kind: 'aws', aws: { bucket: 'acme-lake' }, glue: { role_arn: 'arn:aws:iam::123456789012:role/acme' }, snowflake: { account: 'acme', user: 'SVC', load_route: 'internal_stage', auth } } },
  });
  const entry = { service: 'health-finance-claims', account: 'snowflake/acme/private_key' };

  it('takes a key pair from a key file or from a keychain entry, and names the key when it has both or neither', () => {
    expect(validateProfiles(aws({ method: 'key_pair', keychain: entry }))).toEqual([]);
    expect(validateProfiles(aws({ method: 'key_pair', private_key_file: '/keys/acme.p8', passphrase_env: 'ACME_PASSPHRASE' }))).toEqual([]);
    expect(validateProfiles(aws({ method: 'key_pair' }))).toEqual([{ path: 'profiles.acme.snowflake.auth.private_key_file', message: expect.stringContaining('unless the key is in the OS keychain') }]);
    expect(validateProfiles(aws({ method: 'key_pair', keychain: entry, private_key_file: '/keys/acme.p8' }))).toEqual([{ path: 'profiles.acme.snowflake.auth', message: expect.stringContaining('one of private_key_file') }]);
    expect(validateProfiles(aws({ method: 'password', password_env: 'hunter2 is not a name' }))[0]).toEqual({ path: 'profiles.acme.snowflake.auth.password_env', message: expect.stringMatching(/^must be the name of an environment variable/) });
    expect(validateProfiles(aws({ method: 'password', password: 'hunter2' }))[0]).toMatchObject({ path: 'profiles.acme.snowflake.auth.password', message: expect.stringContaining('unknown key') });
  });

  it('says what a value that fails its pattern should look like, never the pattern', () => {
    const [bucket] = validateProfiles({ profiles: { acme: { kind: 'aws', aws: { bucket: 'Acme_Lake' } } } });
    expect(bucket).toEqual({ path: 'profiles.acme.aws.bucket', message: expect.stringContaining('must be an S3 bucket name: 3 to 63 lower-case letters') });
    const [role] = validateProfiles({ profiles: { acme: { kind: 'aws', glue: { role_arn: 'claims-glue' } } } });
    expect(role!.message).toBe('must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>');
  });

  it('hands the keychain entry of a key pair to the Snowflake code as a reference', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'profiles.yaml');
    await saveProfile(file, 'acme', aws({ method: 'key_pair', keychain: entry }).profiles.acme);
    const p = await loadProfile(file, 'acme');
    if (p.kind !== 'aws') throw new Error('kind aws expected');
    expect(snowflakeSettingsFor(p, null, 'node').auth).toEqual({ method: 'key_pair', privateKey: { from: 'keychain', ...entry } });
  });
});

describe('profile names', () => {
  it('refuses the names of built-in object members in the file, as the active profile and on the command line', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'profiles.yaml');
    for (const name of ['constructor', 'toString', '__proto__', 'valueOf']) {
      expect(validateProfiles({ profiles: { [name]: {} } }).map((p) => p.message).join(' '), name).toMatch(/reserved|not a profile name/);
      expect(validateProfiles({ active: name, profiles: {} }).length, name).toBeGreaterThan(0);
      await expect(loadProfile(file, name), name).rejects.toBeInstanceOf(ProfileError);
      await expect(activateProfile(file, name), name).rejects.toBeInstanceOf(ProfileError);
    }
    // a YAML file naming one is refused as a whole, with the key path
    await writeFile(file, 'profiles:\n  constructor:\n    kind: local\n');
    await expect(loadProfile(file)).rejects.toThrow(/profiles\.constructor: "constructor" is reserved/);
  });

  it('refuses them from the CLI before anything runs', async () => {
    const { spawnSync } = await import('node:child_process');
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'claims.mjs');
    for (const name of ['constructor', 'toString']) {
      const r = spawnSync(process.execPath, [cli, 'run', '--profile', name, '--workspace', dir], { encoding: 'utf8' });
      expect(r.status, name).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`--profile: "${name}" is (reserved|not a profile name)`));
    }
  });
});
