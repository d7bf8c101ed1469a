// The app's hold on the cloud emulator, against real emulators of a private workspace (not the test
// run's shared one): it stops the one it saw start, and leaves alone one that was there before it.
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorStatus, startEmulator, stopEmulator } from '../../emulator/index.ts';
import { tempDir } from '../../testing/tmp.ts';
import { EmulatorOwnership } from './emulator-owner.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function workspace(): Promise<string> {
  const { dir, cleanup } = await tempDir('claims-emulator-owner-');
  cleanups.push(async () => {
    await stopEmulator(dir).catch(() => undefined);
    await cleanup();
  });
  return dir;
}

describe('the emulator the app started', () => {
  // this file's emulators are its own, whatever the run's shared one is
  delete process.env.CLAIMS_EMULATOR_WORKSPACE;

  it('is stopped when the app closes; one running before the app opened is left running', async () => {
    const mine = await workspace();
    const ownership = new EmulatorOwnership(mine);
    expect(await new EmulatorOwnership(mine).release()).toBe('not running');
    await startEmulator(mine);
    expect(await ownership.release()).toBe('stopped');
    expect((await emulatorStatus(mine)).running).toBe(false);

    const theirs = await workspace();
    await startEmulator(theirs);
    expect(await new EmulatorOwnership(theirs).release()).toBe('not ours');
    expect((await emulatorStatus(theirs)).running).toBe(true);
  }, 240_000);
});
