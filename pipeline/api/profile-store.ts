// Profiles as the app shows them: the built-in local profile, the named ones in profiles.yaml
// (through pipeline/profiles), and which one is active for runs started here. The active choice
// is the app's own state, kept in <workspace>/.claims-ui.json.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadProfilesModule, normaliseProblems } from './backend-modules.ts';
import type { Json, ProfileList, ProfileProblem, ProfileSummary } from './contract.ts';
import { ApiError } from './errors.ts';
import type { EventHub } from './event-hub.ts';
import type { WorkspaceLayout } from './workspace-layout.ts';

export const BUILT_IN_PROFILE = 'local';

function summarise(raw: unknown): ProfileSummary[] {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.entries(raw as Record<string, unknown>).map(([name, v]) => ({ name, ...(v as object) })) : [];
  return list.map((p) => {
    if (typeof p === 'string') return { name: p, builtIn: p === BUILT_IN_PROFILE, kind: p === BUILT_IN_PROFILE ? 'local' : 'unknown' };
    const o = p as { name?: unknown; kind?: unknown; type?: unknown; target?: unknown; description?: unknown; builtIn?: unknown };
    const name = String(o.name);
    return {
      name,
      builtIn: o.builtIn === true || name === BUILT_IN_PROFILE,
      kind: String(o.kind ?? o.type ?? o.target ?? 'local'),
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
    };
  });
}

export class ProfileStore {
  constructor(
    private readonly layout: WorkspaceLayout,
    private readonly hub: EventHub,
  ) {}

  active(): string {
    if (!existsSync(this.layout.uiState)) return BUILT_IN_PROFILE;
    try {
      const state = JSON.parse(readFileSync(this.layout.uiState, 'utf8')) as { activeProfile?: unknown };
      return typeof state.activeProfile === 'string' ? state.activeProfile : BUILT_IN_PROFILE;
    } catch {
      return BUILT_IN_PROFILE;
    }
  }

  async list(): Promise<ProfileList> {
    const loaded = await loadProfilesModule();
    let profiles: ProfileSummary[] = [{ name: BUILT_IN_PROFILE, builtIn: true, kind: 'local', description: 'Embedded DuckDB and a lake folder in this workspace.' }];
    if (loaded.module) {
      const named = summarise(await loaded.module.listProfiles(this.layout.root));
      profiles = [...profiles.filter((p) => !named.some((n) => n.name === p.name)), ...named];
    }
    const active = profiles.some((p) => p.name === this.active()) ? this.active() : BUILT_IN_PROFILE;
    return { active, profiles, editing: loaded.availability };
  }

  async get(name: string): Promise<{ name: string; builtIn: boolean; profile: Record<string, Json> }> {
    const loaded = await loadProfilesModule();
    if (!loaded.module) {
      if (name === BUILT_IN_PROFILE) return { name, builtIn: true, profile: {} };
      throw new ApiError('not_found', `There is no profile "${name}".`);
    }
    const list = await this.list();
    if (!list.profiles.some((p) => p.name === name)) throw new ApiError('not_found', `There is no profile "${name}" in ${this.layout.profiles}.`);
    const profile = (await loaded.module.loadProfile(this.layout.root, name)) as Record<string, Json>;
    return { name, builtIn: name === BUILT_IN_PROFILE, profile: profile ?? {} };
  }

  async validate(profile: Record<string, Json>): Promise<ProfileProblem[]> {
    const loaded = await loadProfilesModule();
    if (!loaded.module) throw new ApiError('unavailable', (loaded.availability as { reason: string }).reason);
    return normaliseProblems(await loaded.module.validateProfile(profile));
  }

  async save(name: string, profile: Record<string, Json>): Promise<{ saved: boolean; problems: ProfileProblem[] }> {
    if (name === BUILT_IN_PROFILE) throw new ApiError('invalid_request', 'The built-in local profile cannot be overwritten.', { details: [{ path: 'name', message: 'choose another name' }] });
    const problems = await this.validate(profile);
    if (problems.length) return { saved: false, problems };
    const loaded = await loadProfilesModule();
    await loaded.module!.saveProfile(this.layout.root, name, profile);
    this.hub.emit({ kind: 'workspace.changed', what: 'profiles' });
    return { saved: true, problems: [] };
  }

  async activate(name: string): Promise<{ active: string }> {
    const list = await this.list();
    if (!list.profiles.some((p) => p.name === name)) throw new ApiError('not_found', `There is no profile "${name}".`);
    writeFileSync(this.layout.uiState, `${JSON.stringify({ activeProfile: name }, null, 2)}\n`);
    this.hub.emit({ kind: 'workspace.changed', what: 'profiles' });
    return { active: name };
  }
}
