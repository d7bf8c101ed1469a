// Where a profile of kind aws reaches AWS: its region and endpoint overrides, or, for an emulator
// profile, the endpoints of the workspace's cloud emulator (started when it is not running, so a
// fresh workspace needs nothing started by hand).

import { startEmulator } from '../emulator/controller.ts';
import type { EmulatorInfo } from '../emulator/record.ts';
import type { AwsProfile } from '../profiles/types.ts';
import type { AwsSettings } from './clients.ts';

/** the emulator's fixed dummy keys (it checks none) */
const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };

/**
 * The workspace whose emulator an emulator profile uses: its own, unless CLAIMS_EMULATOR_WORKSPACE
 * names another (several workspaces, or a test run's workspaces, sharing one emulator).
 */
export function emulatorWorkspace(workspace: string): string {
  return process.env.CLAIMS_EMULATOR_WORKSPACE || workspace;
}

export interface ProfileAws {
  settings: AwsSettings;
  /** the running emulator, for an emulator profile */
  emulator: EmulatorInfo | null;
}

export async function awsForProfile(workspace: string, profile: AwsProfile): Promise<ProfileAws> {
  if (!profile.emulator) {
    return { settings: { region: profile.aws.region, ...(profile.aws.endpoints ? { endpoints: profile.aws.endpoints } : {}) }, emulator: null };
  }
  const emulator = await startEmulator(emulatorWorkspace(workspace));
  const { s3, glue, logs, iam, sts, secretsmanager } = emulator.endpoints;
  return { settings: { region: profile.aws.region, endpoints: { s3, glue, logs, iam, sts, secretsmanager }, emulatorCredentials: EMULATOR_CREDENTIALS }, emulator };
}
