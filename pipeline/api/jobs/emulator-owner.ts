// The app stops the cloud emulator it started, when it exits. An emulator that was running when the
// app opened belongs to whoever started it (`claims emulator start`, a CLI run, a test run) and is
// left alone, as is one a CLI run of this workspace is still using; either way the emulator's own
// 30-minute idle stop remains the backstop.

import { emulatorStatus, stopEmulator } from '../../emulator/index.ts';
import { emulatorWorkspace } from '../../aws/profile-settings.ts';
import { workspaceHolder } from '../../run/lock.ts';

export class EmulatorOwnership {
  private readonly runningAtStart: Promise<boolean>;

  constructor(private readonly workspace: string) {
    // unknown counts as someone else's: never stop what might not be ours
    this.runningAtStart = emulatorStatus(emulatorWorkspace(workspace)).then((s) => s.running, () => true);
  }

  /** Stops the emulator if this app started it and nothing else of the workspace uses it; says what it did. */
  async release(): Promise<'stopped' | 'not ours' | 'in use' | 'not running'> {
    if (await this.runningAtStart) return 'not ours';
    const where = emulatorWorkspace(this.workspace);
    if (!(await emulatorStatus(where)).running) return 'not running';
    const holder = workspaceHolder(this.workspace);
    if (holder && holder.pid !== process.pid) return 'in use';
    await stopEmulator(where);
    return 'stopped';
  }
}
