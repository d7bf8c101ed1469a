// The run launcher (pipeline/run) and named profiles (pipeline/profiles) are separate modules of
// the core. They are loaded when first needed; when one is not part of this build, the capability
// is reported unavailable with the reason, and the UI says so instead of offering the action.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunEvent, RunRecord, RunTrigger, StageName } from '../orchestrator/types.ts';
import type { Availability, ProfileProblem } from './contract.ts';

export interface StartPipelineRunOptions {
  workspace: string;
  profile: string;
  batch: number;
  stages?: StageName[];
  resumeRunId?: string;
  trigger: RunTrigger;
}

export interface RunModule {
  startPipelineRun(options: StartPipelineRunOptions, hooks: { signal: AbortSignal; onEvent: (e: RunEvent) => void }): Promise<RunRecord>;
}

export interface ProfilesModule {
  listProfiles(workspace: string): Promise<unknown> | unknown;
  loadProfile(workspace: string, name: string): Promise<unknown> | unknown;
  validateProfile(profile: unknown): Promise<unknown> | unknown;
  saveProfile(workspace: string, name: string, profile: unknown): Promise<unknown> | unknown;
}

type Loaded<T> = { module: T; availability: Availability } | { module: null; availability: Availability };

async function load<T>(specifier: string, required: string[], what: string): Promise<Loaded<T>> {
  if (!existsSync(fileURLToPath(specifier))) {
    return { module: null, availability: { available: false, reason: `${what} is not part of this build yet.`, hint: 'Update to a build that includes it.' } };
  }
  try {
    // A variable specifier keeps the type checker and bundlers from requiring the module at build time.
    const mod = (await import(specifier)) as Record<string, unknown>;
    const missing = required.filter((fn) => typeof mod[fn] !== 'function');
    if (missing.length) {
      return { module: null, availability: { available: false, reason: `${what} does not export ${missing.join(', ')}.` } };
    }
    return { module: mod as T, availability: { available: true } };
  } catch (err) {
    return { module: null, availability: { available: false, reason: `${what} failed to load: ${(err as Error).message}` } };
  }
}

let runModule: Promise<Loaded<RunModule>> | undefined;
let profilesModule: Promise<Loaded<ProfilesModule>> | undefined;

const RUN_SPECIFIER = new URL('../run/index.ts', import.meta.url).href;
const PROFILES_SPECIFIER = new URL('../profiles/index.ts', import.meta.url).href;

export function loadRunModule(): Promise<Loaded<RunModule>> {
  runModule ??= load<RunModule>(RUN_SPECIFIER, ['startPipelineRun'], 'The pipeline runner (pipeline/run)');
  return runModule;
}

export function loadProfilesModule(): Promise<Loaded<ProfilesModule>> {
  profilesModule ??= load<ProfilesModule>(PROFILES_SPECIFIER, ['listProfiles', 'loadProfile', 'validateProfile', 'saveProfile'], 'Named profiles (pipeline/profiles)');
  return profilesModule;
}

/** validateProfile's answer as {path, message} pairs, whether it returns objects or strings. */
export function normaliseProblems(raw: unknown): ProfileProblem[] {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && Array.isArray((raw as { errors?: unknown }).errors) ? (raw as { errors: unknown[] }).errors : [];
  return list.map((p) => {
    if (typeof p === 'string') {
      const m = /^([\w.[\]-]+):\s*(.*)$/.exec(p);
      return m ? { path: m[1]!, message: m[2]! } : { path: '', message: p };
    }
    const o = p as { path?: unknown; keyPath?: unknown; message?: unknown };
    const path = Array.isArray(o.path) ? o.path.join('.') : String(o.path ?? o.keyPath ?? '');
    return { path, message: String(o.message ?? p) };
  });
}
