// What a profile may be called: one rule for the CLI, HTTP, IPC and profiles.yaml alike. Names
// come from outside (a flag, a request, a file) and end up as object keys, so the names of
// Object.prototype's members are refused outright, and lookups go by own properties only.

const PROFILE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';

/** constructor, toString, __proto__, ...: never a profile, whatever their case. */
const RESERVED_PROFILE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

/** The JSON Schema of a profile name (used by the API's request schemas and the file's schema). */
export const profileNameSchema = { type: 'string', pattern: PROFILE_NAME_PATTERN, not: { enum: [...RESERVED_PROFILE_NAMES] } } as const;

const PATTERN = new RegExp(PROFILE_NAME_PATTERN);

/** Why a name cannot be a profile's, or null when it can. */
export function profileNameProblem(name: string): string | null {
  if (RESERVED_PROFILE_NAMES.includes(name)) return `"${name}" is reserved and cannot name a profile`;
  if (!PATTERN.test(name)) return `"${name.slice(0, 80)}" is not a profile name: lower case letters, digits, - and _, starting with a letter, at most 64 characters`;
  return null;
}

/** A profile by name from a parsed file's map, by own property only. */
export function ownEntry<T>(map: Partial<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}
