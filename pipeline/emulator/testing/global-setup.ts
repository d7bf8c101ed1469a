// vitest globalSetup: one cloud emulator per test run. Nothing starts here; the first test file that
// asks for the emulator (sharedEmulator) starts it in this temporary workspace, and every later
// file, in any worker, reuses it. At the end the emulator is stopped by its process id and the
// workspace removed; it also stops by itself if this process dies first (its owner pid).

import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { tempDir } from '../../testing/tmp.ts';
import { stopEmulator } from '../controller.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    claimsEmulatorWorkspace: string;
    claimsEmulatorOwnerPid: number;
    /** the password of LOGIN_CHECK_USER, the one Snowflake user whose password the test emulator checks */
    claimsEmulatorLoginCheckPassword: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { dir, cleanup } = await tempDir('claims-emulator-');
  project.provide('claimsEmulatorWorkspace', dir);
  project.provide('claimsEmulatorOwnerPid', process.pid);
  project.provide('claimsEmulatorLoginCheckPassword', `pw-${randomBytes(12).toString('hex')}`);
  return async () => {
    await stopEmulator(dir);
    await cleanup();
  };
}
