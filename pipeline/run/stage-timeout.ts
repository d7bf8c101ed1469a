import { ownEntry } from '../profiles/names.ts';
import type { Profile } from '../profiles/types.ts';

/** The limit of one attempt of a stage on a profile, in seconds (0 = none): its own entry, else the default. */
export function stageTimeoutSeconds(profile: Pick<Profile, 'timeouts'>, stage: string): number {
  return ownEntry(profile.timeouts, stage) ?? profile.timeouts.default ?? 0;
}
