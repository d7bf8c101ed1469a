// Profiles as the app shows and edits them, through pipeline/profiles: the built-in local
// profile, the named ones in <workspace>/profiles.yaml, and the active one (kept in that file,
// so `claims run` and the app agree).

import { activateProfile, BUILT_IN_PROFILES, CLOUD_EMULATOR_PROFILE, listProfiles, LOCAL_PROFILE, ProfileError, readProfilesFile, saveProfile, validateProfiles } from '../../profiles/load.ts';
import { ownEntry } from '../../profiles/names.ts';
import type { Profile, RawProfile } from '../../profiles/types.ts';
import { KEYCHAIN_SERVICE, keychainAvailability, writeKeychain } from '../../snowflake/keychain.ts';
import { KeychainUnavailableError } from '../../snowflake/errors.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import type { Availability, Json, KeychainRef, ProfileList, ProfileProblem } from '../protocol.ts';
import type { SECRET_KINDS } from '../requests.ts';
import { ApiError } from '../errors.ts';
import type { EventHub } from './event-hub.ts';


/** The entry of a profile's Snowflake secret: named by the service, so a caller cannot pick another application's entry. */
export const secretEntry = (profile: string, kind: (typeof SECRET_KINDS)[number]): KeychainRef => ({ service: KEYCHAIN_SERVICE, account: `snowflake/${profile}/${kind}` });

/** A resolved profile in the file's own shape (snake_case keys), e.g. to start a new one from. */
function rawProfile(p: Profile): RawProfile {
  return {
    kind: p.kind,
    ...(p.description ? { description: p.description } : {}),
    generate: { ...p.generate },
    retry: { max_attempts: p.retry.maxAttempts, base_delay_ms: p.retry.baseDelayMs, max_delay_ms: p.retry.maxDelayMs, jitter: p.retry.jitter },
    timeouts: { ...p.timeouts },
    ...(p.schedule ? { schedule: p.schedule } : {}),
    freshness_hours: p.freshness_hours,
    duckdb: { ...p.duckdb },
    dbt: { ...p.dbt },
    ...(p.kind === 'local' ? { cleanse: { ...p.cleanse } } : { emulator: p.emulator, aws: { ...p.aws }, glue: { ...p.glue }, snowflake: { ...p.snowflake }, auto_deploy: p.auto_deploy }),
  };
}

/**
 * What a new profile of a kind starts from: the kind's defaults, and the settings it must say for
 * itself (bucket, role, account, user, where the secret is) blank, so the form shows them and the
 * validator names each one left empty.
 */
function template(kind: 'local' | 'aws'): RawProfile {
  const { description: _d, ...local } = rawProfile(LOCAL_PROFILE);
  if (kind === 'local') return local;
  const raw = rawProfile(CLOUD_EMULATOR_PROFILE);
  // the emulator's own job overrides (workers, worker type, timeout) are not defaults: job.json's are
  const glue = CLOUD_EMULATOR_PROFILE.glue;
  const sf = CLOUD_EMULATOR_PROFILE.snowflake;
  // where it lives first (the form shows keys in this order), then what every profile says
  return {
    kind: 'aws',
    aws: { bucket: '', region: CLOUD_EMULATOR_PROFILE.aws.region, prefix: '', encryption: { ...CLOUD_EMULATOR_PROFILE.aws.encryption } },
    glue: { role_arn: '', jobs: { ...glue.jobs }, code_prefix: glue.code_prefix },
    snowflake: { account: '', user: '', role: sf.role, reader_role: sf.reader_role, warehouse: sf.warehouse, database: sf.database, raw_schema: sf.raw_schema, load_route: 'external_stage', storage_integration: '', auth: { method: 'password', password_env: '' } },
    emulator: false,
    auto_deploy: false,
    generate: raw.generate,
    retry: raw.retry,
    timeouts: raw.timeouts,
    freshness_hours: raw.freshness_hours,
    duckdb: raw.duckdb,
    dbt: raw.dbt,
  };
}

/** Problems of one profile, with paths relative to it ("generate.members"), or "name". */
function relative(problems: ProfileProblem[], name: string): ProfileProblem[] {
  const prefix = `profiles.${name}`;
  return problems.map((p) => ({ ...p, path: p.path === prefix ? 'name' : p.path.startsWith(`${prefix}.`) ? p.path.slice(prefix.length + 1) : p.path }));
}

function asApiError(err: unknown): never {
  if (err instanceof ProfileError) {
    throw new ApiError('invalid_request', `${err.file} is not a valid profiles file.`, { details: err.problems, hint: 'Fix the file, or remove the broken profile from it.', cause: err });
  }
  throw err;
}

export class ProfileStore {
  constructor(
    private readonly paths: WorkspacePaths,
    private readonly hub: EventHub,
  ) {}

  async list(): Promise<ProfileList> {
    const { active, profiles } = await listProfiles(this.paths.profiles).catch(asApiError);
    return {
      active,
      profiles: profiles.map((p) => ({ name: p.name, builtIn: BUILT_IN_PROFILES.has(p.name), kind: p.kind, ...(p.description ? { description: p.description } : {}) })),
      editing: { available: true },
    };
  }

  async active(): Promise<string> {
    return (await this.list()).active;
  }

  /** The active profile's name and kind (the top bar shows both). */
  async activeProfile(): Promise<{ name: string; kind: Profile['kind'] }> {
    const { active, profiles } = await listProfiles(this.paths.profiles).catch(asApiError);
    return { name: active, kind: profiles.find((p) => p.name === active)?.kind ?? 'local' };
  }

  template(kind: 'local' | 'aws'): { profile: Record<string, Json> } {
    return { profile: template(kind) as Record<string, Json> };
  }

  /** The profile as written in the file; a built-in one as its full settings. */
  async get(name: string): Promise<{ name: string; builtIn: boolean; profile: Record<string, Json> }> {
    const builtIn = BUILT_IN_PROFILES.get(name);
    if (builtIn) return { name, builtIn: true, profile: rawProfile(builtIn) as Record<string, Json> };
    const doc = await readProfilesFile(this.paths.profiles).catch(asApiError);
    const raw = ownEntry(doc.profiles, name);
    if (!raw) throw new ApiError('not_found', `There is no profile "${name}" in ${this.paths.profiles}.`);
    return { name, builtIn: false, profile: raw as Record<string, Json> };
  }

  validate(name: string, profile: Record<string, Json>): ProfileProblem[] {
    return relative(validateProfiles({ profiles: { [name]: profile } }), name);
  }

  async save(name: string, profile: Record<string, Json>): Promise<{ saved: boolean; problems: ProfileProblem[] }> {
    if (BUILT_IN_PROFILES.has(name)) return { saved: false, problems: [{ path: 'name', message: `the built-in ${name} profile cannot be replaced; choose another name` }] };
    const problems = this.validate(name, profile);
    if (problems.length) return { saved: false, problems };
    try {
      await saveProfile(this.paths.profiles, name, profile);
    } catch (err) {
      if (err instanceof ProfileError) return { saved: false, problems: relative(err.problems, name) };
      throw err;
    }
    this.hub.emit({ kind: 'workspace.changed', what: 'profiles' });
    return { saved: true, problems: [] };
  }

  keychain(): Promise<Availability> {
    return keychainAvailability();
  }

  /**
   * Puts a Snowflake secret into the OS keychain and answers with the entry's name, for the profile
   * to reference. Where no keychain answers, nothing is stored anywhere: the answer says so and
   * offers an environment variable or a key file instead.
   */
  async storeSecret(name: string, kind: (typeof SECRET_KINDS)[number], secret: string): Promise<{ stored: true; keychain: KeychainRef }> {
    if (kind === 'private_key' && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(secret)) {
      throw new ApiError('invalid_request', 'The private key is not PEM text.', { details: [{ path: 'secret', message: 'paste the PEM text of the key (-----BEGIN PRIVATE KEY----- ...)' }] });
    }
    const entry = secretEntry(name, kind);
    try {
      await writeKeychain(entry, secret);
    } catch (err) {
      // nothing was stored anywhere; the form offers the other two sources
      if (err instanceof KeychainUnavailableError) {
        throw new ApiError('unavailable', err.message, {
          hint: kind === 'password' ? 'Name an environment variable that holds the password instead (password_env); nothing is written in plain text.' : 'Point the profile to the key file instead (private_key_file); nothing is written in plain text.',
          cause: err,
        });
      }
      throw err;
    }
    return { stored: true, keychain: entry };
  }

  async activate(name: string): Promise<{ active: string }> {
    try {
      await activateProfile(this.paths.profiles, name);
    } catch (err) {
      if (err instanceof ProfileError) throw new ApiError('not_found', err.problems.map((p) => p.message).join('; '), { cause: err });
      throw err;
    }
    this.hub.emit({ kind: 'workspace.changed', what: 'profiles' });
    return { active: name };
  }
}
