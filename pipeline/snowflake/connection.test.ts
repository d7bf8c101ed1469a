// The Snowflake connection against the cloud emulator (fakesnow behind its Node adapter): each
// secret source, the typed errors, the statement timeout, and that the secret used never shows in
// an event, the driver's log or an error.

import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorInfo } from '../emulator/record.ts';
import { sharedEmulator } from '../emulator/testing/shared.ts';
import { tempDir } from '../testing/tmp.ts';
import { SnowflakeSession, describeSettings, driverOptions, type SessionEvent } from './connection.ts';
import { SnowflakeLoginError, SnowflakeObjectMissingError, SnowflakeSecretError, SnowflakeStatementTimeoutError } from './errors.ts';
import { deleteKeychain, writeKeychain } from './keychain.ts';
import { setDriverLogSink } from './log.ts';
import { resolveAuth } from './secrets.ts';
import { emulatorSettings, testSecret } from './testing/emulator-settings.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './testing/secret-service.ts';

let emulator: EmulatorInfo;
let scratch: { dir: string; cleanup: () => Promise<void> };
const secret = testSecret();
const env = { CLAIMS_TEST_SNOWFLAKE_PASSWORD: secret };
/** everything the product reported during this file: events, driver log lines, error texts */
const written: string[] = [];
const onEvent = (e: SessionEvent) => written.push(JSON.stringify(e));

beforeAll(async () => {
  emulator = await sharedEmulator();
  scratch = await tempDir('claims-sf-conn-');
  setDriverLogSink((level, message) => written.push(`${level} ${message}`));
});

afterAll(async () => {
  setDriverLogSink(null);
  await scratch?.cleanup();
});

describe('SnowflakeSession on the emulator', () => {
  it('logs in with a password from an environment variable and runs statements with ? binds', async () => {
    const s = await SnowflakeSession.open(emulatorSettings(emulator, 'CONN_TEST'), { env, onEvent, database: null });
    try {
      await s.execute('CREATE DATABASE IF NOT EXISTS CONN_TEST');
      await s.execute('CREATE SCHEMA IF NOT EXISTS CONN_TEST.RAW');
      await s.execute('CREATE OR REPLACE TABLE CONN_TEST.RAW.T (ID INTEGER, AMT NUMBER(12,2), D DATE, NOTE VARCHAR)');
      const ins = await s.execute('INSERT INTO CONN_TEST.RAW.T SELECT ?, ?, CAST(? AS DATE), ?', [1, '12.50', '2024-02-29', null]);
      expect(ins.updated).toBe(1);
      const r = await s.execute('SELECT ID, AMT, D, NOTE FROM CONN_TEST.RAW.T WHERE ID = ?', [1]);
      expect(r.columns.map((c) => [c.name, c.type])).toEqual([
        ['id', 'NUMBER'],
        ['amt', 'NUMBER(12,2)'],
        ['d', 'DATE'],
        ['note', 'VARCHAR'],
      ]);
      // decimals and dates as exact text, NULL as null (not the driver's "NULL")
      expect(r.rows).toEqual([[1, '12.50', '2024-02-29', null]]);
      expect(r.queryId).toMatch(/[0-9a-f-]{36}/);
      // a NULL number or date fetched as text is null, not the driver's "NULL"
      expect((await s.execute('SELECT CAST(NULL AS NUMBER(12,2)) AS A, CAST(NULL AS DATE) AS B')).rows).toEqual([[null, null]]);
      await expect(s.execute('SELECT * FROM CONN_TEST.RAW.NO_SUCH_TABLE')).rejects.toBeInstanceOf(SnowflakeObjectMissingError);
    } finally {
      await s.close();
    }
    expect(written.some((w) => w.includes('"kind":"login"'))).toBe(true);
    expect(written.some((w) => w.includes('INSERT INTO CONN_TEST.RAW.T'))).toBe(true);
  });

  it('names the variable when it is not set, never a value', async () => {
    const err = await SnowflakeSession.open(emulatorSettings(emulator, 'CONN_TEST'), { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnowflakeSecretError);
    expect((err as Error).message).toBe('The environment variable CLAIMS_TEST_SNOWFLAKE_PASSWORD is not set.');
  });

  it('reads a key file (encrypted, passphrase from a variable) and logs in with key-pair authentication', async () => {
    const passphrase = testSecret();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const keyFile = join(scratch.dir, 'rsa_key.p8');
    await writeFile(keyFile, privateKey, { mode: 0o600 });
    const settings = emulatorSettings(emulator, 'CONN_TEST', { auth: { method: 'key_pair', privateKey: { from: 'file', path: keyFile }, passphrase: { from: 'env', variable: 'KEY_PASS' } } });
    const auth = await resolveAuth(settings.auth, { KEY_PASS: passphrase });
    expect(auth.authenticator).toBe('SNOWFLAKE_JWT');
    expect(driverOptions(settings, auth)).toMatchObject({ authenticator: 'SNOWFLAKE_JWT', privateKey: expect.stringContaining('-----BEGIN PRIVATE KEY-----') });
    const s = await SnowflakeSession.open(settings, { env: { KEY_PASS: passphrase }, onEvent });
    expect((await s.execute('SELECT 1 AS ONE')).rows).toEqual([[1]]);
    await s.close();

    const wrong = await resolveAuth(settings.auth, { KEY_PASS: 'not-the-passphrase' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SnowflakeSecretError);
    expect((wrong as Error).message).toBe(`The private key in the key file ${keyFile} could not be decrypted with the passphrase from environment variable KEY_PASS.`);
    const missing = await resolveAuth({ method: 'key_pair', privateKey: { from: 'file', path: join(scratch.dir, 'nope.p8') } }).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(`The private key file ${join(scratch.dir, 'nope.p8')} does not exist.`);
    written.push(JSON.stringify(describeSettings(settings)));
    expect(written.join('\n')).not.toContain(passphrase);
  });

  it('gives the login error naming account and user, with what to check', async () => {
    // The emulator accepts any credentials (fakesnow has no users), so no real peer can refuse a
    // login here: a loopback server answers the login request with Snowflake's documented failure
    // (code 390100), and the real driver takes it from there.
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { nextAction: null, authnMethod: 'USERNAME_PASSWORD' }, code: '390100', message: 'Incorrect username or password was specified.', success: false, headers: null }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as AddressInfo).port;
      const settings = emulatorSettings(emulator, 'CONN_TEST', { account: 'xy12345', user: 'CLAIMS_LOADER', endpoint: { host: '127.0.0.1', port, protocol: 'http' } });
      const err = await SnowflakeSession.open(settings, { env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SnowflakeLoginError);
      const login = err as SnowflakeLoginError;
      expect(login.message).toBe('Snowflake login failed for user CLAIMS_LOADER on account xy12345: Incorrect username or password was specified.');
      expect(login.code).toBe('390100');
      expect(login.hint).toContain('Check the account identifier (xy12345), the user name (CLAIMS_LOADER)');
      expect(login.retryable).toBe(false);
      written.push(login.message, login.hint);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('cancels a statement past its time limit with a typed error', async () => {
    const s = await SnowflakeSession.open(emulatorSettings(emulator, 'CONN_TEST'), { env, onEvent });
    try {
      const started = Date.now();
      // about two seconds of DuckDB work on the emulator, cut at a quarter of a second
      const err = await s.execute('SELECT COUNT(*) FROM TABLE(GENERATOR(ROWCOUNT => 4000000000)) a', [], { timeoutSeconds: 0.25 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SnowflakeStatementTimeoutError);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((err as Error).message).toMatch(/ran longer than 0.25 s and was cancelled/);
    } finally {
      await s.close();
    }
  });

  it('never writes the secret: events, driver log, errors, the emulator\u2019s own logs', async () => {
    expect(written.length).toBeGreaterThan(3);
    expect(written.join('\n')).not.toContain(secret);
    const logs = join(emulator.stateDir, 'logs');
    for (const f of await readdir(logs)) expect(await readFile(join(logs, f), 'utf8')).not.toContain(secret);
    expect(JSON.stringify(describeSettings(emulatorSettings(emulator, 'X')))).not.toContain(secret);
  });
});

const noKeychain = secretServiceMissing();

describe.skipIf(noKeychain !== null)(`the OS keychain (Secret Service under a private D-Bus session)${noKeychain ? `: skipped, ${noKeychain}` : ''}`, () => {
  let service: SecretService | undefined;
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;

  beforeAll(async () => {
    service = await startSecretService(scratch.dir);
    process.env.DBUS_SESSION_BUS_ADDRESS = service.address;
  });

  afterAll(async () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    service?.stop();
  });

  it('logs in with a password stored in the keychain', async () => {
    const entry = { service: 'health-finance-claims', account: 'snowflake/emulator/CLAIMS_TEST' };
    await writeKeychain(entry, secret);
    const settings = emulatorSettings(emulator, 'CONN_TEST', { auth: { method: 'password', password: { from: 'keychain', ...entry } } });
    expect(await resolveAuth(settings.auth, {})).toEqual({ authenticator: 'SNOWFLAKE', password: secret });
    const s = await SnowflakeSession.open(settings, { env: {}, onEvent });
    expect((await s.execute('SELECT 2 AS TWO')).rows).toEqual([[2]]);
    await s.close();
    expect(await deleteKeychain(entry)).toBe(true);
    const gone = await resolveAuth(settings.auth, {}).catch((e: unknown) => e);
    expect((gone as Error).message).toBe('There is no secret in the keychain entry "snowflake/emulator/CLAIMS_TEST" of service "health-finance-claims".');
    expect(written.join('\n')).not.toContain(secret);
  });

  it('says the keychain is unavailable, offering a variable or a key file, where no Secret Service answers', () => {
    // in a fresh process: the binding keeps the D-Bus connection it made first
    const script = `import { writeKeychain } from './pipeline/snowflake/keychain.ts';
      writeKeychain({ service: 'claims-test', account: 'nobody' }, 'x').then(() => console.log('stored'), (e) => console.log(JSON.stringify({ name: e.name, hint: e.hint })));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(scratch.dir, 'no-bus-here')}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { name: string; hint: string };
    expect(out.name).toBe('KeychainUnavailableError');
    expect(out.hint).toMatch(/environment variable .* key file .* never falls back to a plain-text file/);
  });
});
