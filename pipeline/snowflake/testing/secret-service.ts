// A Secret Service (gnome-keyring) on a private D-Bus session bus, for the tests of the keychain
// path on Linux: nothing of the developer's own keyring is touched. The binding keeps the first
// D-Bus connection it makes, so a test process starts this before its first keychain call.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Why no Secret Service can be started here, or null when one can. */
export function secretServiceMissing(): string | null {
  if (process.platform !== 'linux') return 'the keychain test runs the Secret Service of Linux; other systems use their own keychain';
  for (const bin of ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon']) if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install dbus-daemon gnome-keyring)`;
  return null;
}

export interface SecretService {
  /** the private bus's address (DBUS_SESSION_BUS_ADDRESS) */
  address: string;
  stop(): void;
}

/** Starts the bus and an unlocked gnome-keyring on it, under `dir`; waits until the keyring owns the Secret Service name. */
export async function startSecretService(dir: string): Promise<SecretService> {
  const home = join(dir, 'keyring-home');
  await mkdir(join(home, 'data'), { recursive: true });
  const busEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: dir, XDG_DATA_HOME: join(home, 'data') };
  const bus: ChildProcess = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], { env: busEnv, stdio: ['ignore', 'pipe', 'ignore'] });
  let keyring: ChildProcess | undefined;
  const stop = () => {
    for (const p of [keyring, bus]) if (p?.pid && p.exitCode === null) p.kill('SIGTERM');
  };
  try {
    const address = await new Promise<string>((done, fail) => {
      const t = setTimeout(() => fail(new Error('dbus-daemon printed no address')), 10_000);
      bus.stdout!.once('data', (b: Buffer) => {
        clearTimeout(t);
        done(b.toString().trim().split('\n')[0]!);
      });
    });
    keyring = spawn('gnome-keyring-daemon', ['--foreground', '--components=secrets', '--unlock'], { env: { ...busEnv, DBUS_SESSION_BUS_ADDRESS: address }, stdio: ['pipe', 'ignore', 'ignore'] });
    keyring.stdin!.end('keyring-unlock');
    // asking before the daemon owns the name would make the bus start another one by activation, whose keyring is locked
    for (let i = 0; i < 100; i++) {
      const owned = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], {
        env: { ...busEnv, DBUS_SESSION_BUS_ADDRESS: address },
        encoding: 'utf8',
      });
      if (/boolean true/.test(owned.stdout ?? '')) return { address, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('gnome-keyring-daemon did not take the Secret Service name within 10 s');
  } catch (err) {
    stop();
    throw err;
  }
}
