// The secrets of a Snowflake login, read when a connection is made and held only in memory: from
// an environment variable, a key file, or the OS keychain. Errors name the variable, file or entry,
// never the value. A key is parsed here (node:crypto) so that a wrong passphrase or a file that is
// not a private key is a clear error before any login is tried.

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SnowflakeSecretError } from './errors.ts';
import { readKeychain } from './keychain.ts';
import type { PrivateKeyRef, SecretRef, SnowflakeAuth } from './settings.ts';

/** What the driver is given to log in with. */
export type ResolvedAuth =
  | { authenticator: 'SNOWFLAKE'; password: string }
  /** the key decrypted, as unencrypted PKCS#8 PEM (memory only) */
  | { authenticator: 'SNOWFLAKE_JWT'; privateKey: string }
  | { authenticator: 'EXTERNALBROWSER' };

export function describeSecretRef(ref: SecretRef | PrivateKeyRef): string {
  if (ref.from === 'env') return `environment variable ${ref.variable}`;
  if (ref.from === 'file') return `key file ${ref.path}`;
  return `keychain entry "${ref.account}" of service "${ref.service}"`;
}

/** The secret a reference names. */
export async function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (ref.from === 'keychain') return readKeychain(ref);
  const value = env[ref.variable];
  if (value === undefined || value === '') {
    throw new SnowflakeSecretError(`The environment variable ${ref.variable} is not set.`, `Export ${ref.variable} with the secret before running (the profile names the variable, never the value).`);
  }
  return value;
}

async function readKeyText(ref: PrivateKeyRef, env: NodeJS.ProcessEnv): Promise<string> {
  if (ref.from !== 'file') return readSecret(ref, env);
  try {
    return await readFile(ref.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${code ?? (err as Error).message})`;
    throw new SnowflakeSecretError(`The private key file ${ref.path} ${why}.`, 'Point the profile to the PEM file of the key whose public half is set on the Snowflake user (ALTER USER ... SET RSA_PUBLIC_KEY).', err);
  }
}

/** The private key a reference names, decrypted with the passphrase when it is encrypted. */
export async function readPrivateKey(ref: PrivateKeyRef, passphrase: SecretRef | undefined, env: NodeJS.ProcessEnv = process.env): Promise<KeyObject> {
  const text = await readKeyText(ref, env);
  const pass = passphrase ? await readSecret(passphrase, env) : undefined;
  const source = describeSecretRef(ref);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new SnowflakeSecretError(`The ${source} does not hold a PEM private key.`, 'Give it the PEM text of the key (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----).');
  }
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text);
  if (encrypted && !pass) {
    throw new SnowflakeSecretError(`The private key in the ${source} is encrypted and the profile names no passphrase.`, 'Add the passphrase reference (an environment variable or a keychain entry) to the profile\u2019s key-pair settings.');
  }
  try {
    return createPrivateKey({ key: text, format: 'pem', ...(pass ? { passphrase: pass } : {}) });
  } catch (err) {
    const wrongPass = encrypted || /decrypt|bad decrypt|passphrase/i.test((err as Error).message);
    throw new SnowflakeSecretError(
      wrongPass ? `The private key in the ${source} could not be decrypted with the passphrase from ${describeSecretRef(passphrase!)}.` : `The private key in the ${source} could not be read.`,
      wrongPass ? 'Check that the passphrase belongs to this key.' : 'Check that it is an RSA private key in PEM (openssl genrsa / openssl pkcs8).',
      err,
    );
  }
}

/** Reads what the auth method needs. */
export async function resolveAuth(auth: SnowflakeAuth, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedAuth> {
  switch (auth.method) {
    case 'password':
      return { authenticator: 'SNOWFLAKE', password: await readSecret(auth.password, env) };
    case 'key_pair': {
      const key = await readPrivateKey(auth.privateKey, auth.passphrase, env);
      return { authenticator: 'SNOWFLAKE_JWT', privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
    }
    case 'browser_sso':
      return { authenticator: 'EXTERNALBROWSER' };
  }
}

/** The secret values of a resolved login, so that text about it can be checked for them. */
export function secretValues(auth: ResolvedAuth): string[] {
  if (auth.authenticator === 'SNOWFLAKE') return [auth.password];
  if (auth.authenticator === 'SNOWFLAKE_JWT') return [auth.privateKey];
  return [];
}
