// The OS keychain through a native binding (@napi-rs/keyring, the Rust keyring crate): macOS
// Keychain, Windows Credential Manager, and on Linux the Secret Service (gnome-keyring, KWallet,
// KeePassXC) over D-Bus. Any process of the same user reads the same entry: the desktop app, the
// CLI, an Airflow worker. On Linux the entry is pinned to the Secret Service: the binding's other
// store (the kernel keyring) forgets everything at reboot and is per login session, so falling
// back to it would look like success and lose the secret. Where no keychain can be used, the
// error says so and offers the other sources; there is never a plain-text fallback.

import { AsyncEntry } from '@napi-rs/keyring';
import { KeychainUnavailableError, SnowflakeSecretError } from './errors.ts';

export interface KeychainEntry {
  service: string;
  account: string;
}

function entry(e: KeychainEntry): AsyncEntry {
  try {
    return process.platform === 'linux' ? new AsyncEntry(e.service, e.account, { linux: { store: 'secret-service' } }) : new AsyncEntry(e.service, e.account);
  } catch (err) {
    throw unavailable(err);
  }
}

function unavailable(err: unknown): KeychainUnavailableError {
  const message = (err as Error).message ?? String(err);
  if (process.platform === 'linux' && /dbus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.secrets|ServiceUnknown|secret service/i.test(message)) {
    return new KeychainUnavailableError(`no Secret Service answers on the D-Bus session bus (${message.split('\n')[0]}); a desktop session runs one (gnome-keyring, KWallet), a server or container usually has none`, err);
  }
  return new KeychainUnavailableError(message.split('\n')[0] ?? message, err);
}

const where = (e: KeychainEntry) => `keychain entry "${e.account}" of service "${e.service}"`;

/** The secret stored in the entry; SnowflakeSecretError when there is none. */
export async function readKeychain(e: KeychainEntry): Promise<string> {
  let value: string | null;
  try {
    value = await entry(e).getPassword();
  } catch (err) {
    throw unavailable(err);
  }
  if (value === null || value === '') {
    throw new SnowflakeSecretError(`There is no secret in the ${where(e)}.`, 'Store the secret in that entry (writeKeychain, as the app does when a profile is saved), or point the profile to an environment variable or a key file instead.');
  }
  return value;
}

/** Stores (or replaces) the secret in the entry. */
export async function writeKeychain(e: KeychainEntry, secret: string): Promise<void> {
  try {
    await entry(e).setPassword(secret);
  } catch (err) {
    throw unavailable(err);
  }
}

/** The keychain service every entry the app writes belongs to (the CLI and Airflow read the same). */
export const KEYCHAIN_SERVICE = 'health-finance-claims';

/**
 * Whether a keychain answers here: asks for an entry no one writes (absent is a fine answer; an
 * error means no keychain service, or one that refuses). Changes nothing.
 */
export async function keychainAvailability(): Promise<{ available: true } | { available: false; reason: string; hint: string }> {
  try {
    await entry({ service: KEYCHAIN_SERVICE, account: 'availability-probe' }).getPassword();
    return { available: true };
  } catch (err) {
    const e = err instanceof KeychainUnavailableError ? err : unavailable(err);
    return { available: false, reason: e.message, hint: e.hint };
  }
}

/** Removes the entry; false when there was none. */
export async function deleteKeychain(e: KeychainEntry): Promise<boolean> {
  try {
    return await entry(e).deleteCredential();
  } catch (err) {
    throw unavailable(err);
  }
}
