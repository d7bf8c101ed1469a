// Profiles as the app shows and edits them, through pipeline/profiles: the built-in local
// profile, the named ones in <workspace>/profiles.yaml, and the active one (kept in that file,
// so `claims run` and the app agree).

import { activateProfile, listProfiles, LOCAL_PROFILE, ProfileError, readProfilesFile, saveProfile, validateProfiles } from '../../profiles/load.ts';
import { ownEntry } from '../../profiles/names.ts';
import type { Profile, RawProfile } from '../../profiles/types.ts';
import type { WorkspacePaths } from '../../workspace.ts';
import type { Json, ProfileList, ProfileProblem } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import type { EventHub } from './event-hub.ts';

const BUILT_IN_PROFILE = 'local';

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
      profiles: profiles.map((p) => ({ name: p.name, builtIn: p.name === BUILT_IN_PROFILE, kind: p.kind, ...(p.description ? { description: p.description } : {}) })),
      editing: { available: true },
    };
  }

  async active(): Promise<string> {
    return (await this.list()).active;
  }

  /** The profile as written in the file; the built-in one as its full settings. */
  async get(name: string): Promise<{ name: string; builtIn: boolean; profile: Record<string, Json> }> {
    if (name === BUILT_IN_PROFILE) return { name, builtIn: true, profile: rawProfile(LOCAL_PROFILE) as Record<string, Json> };
    const doc = await readProfilesFile(this.paths.profiles).catch(asApiError);
    const raw = ownEntry(doc.profiles, name);
    if (!raw) throw new ApiError('not_found', `There is no profile "${name}" in ${this.paths.profiles}.`);
    return { name, builtIn: false, profile: raw as Record<string, Json> };
  }

  validate(name: string, profile: Record<string, Json>): ProfileProblem[] {
    return relative(validateProfiles({ profiles: { [name]: profile } }), name);
  }

  async save(name: string, profile: Record<string, Json>): Promise<{ saved: boolean; problems: ProfileProblem[] }> {
    if (name === BUILT_IN_PROFILE) return { saved: false, problems: [{ path: 'name', message: 'the built-in local profile cannot be replaced; choose another name' }] };
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
