// How AWS failures reach a person. The credential cases run the SDK's real default provider chain
// (environment, shared files, AWS_PROFILE, SSO) against the cloud emulator (moto on loopback); the service
// answers moto cannot give (it neither enforces IAM nor throttles) are classified from the SDK's
// own exception types, built here as its deserializers build them.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { GlueServiceException } from '@aws-sdk/client-glue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, AwsSettingsError, type AwsSettings } from './clients.ts';
import {
  awsCall,
  AwsAccessDeniedError,
  AwsCredentialsExpiredError,
  AwsCredentialsInvalidError,
  AwsCredentialsMissingError,
  AwsEndpointUnreachableError,
  AwsServiceError,
  AwsThrottledError,
  toAwsError,
} from './errors.ts';
import { emulatorAwsForTests, isolateAwsEnvironment } from '../emulator/testing/shared.ts';
import { tempDir } from '../testing/tmp.ts';

let emulator: AwsSettings;
let tmp: { dir: string; cleanup: () => Promise<void> };
const savedEnv = { ...process.env };
const ctx = { action: 's3:ListBucket', resource: 's3://claims-lake/dev/', bucket: 'claims-lake' };

beforeAll(async () => {
  emulator = await emulatorAwsForTests();
  tmp = await tempDir('claims-aws-errors-');
  const c = awsClients(emulator);
  await c.s3.send(new CreateBucketCommand({ Bucket: 'claims-errors-test' }));
  c.destroy();
});

afterEach(() => {
  process.env = { ...savedEnv };
  isolateAwsEnvironment();
});

afterAll(async () => {
  process.env = savedEnv;
  await tmp?.cleanup();
});

/** One S3 call through freshly built clients (each client resolves credentials on first use). */
async function headBucket(settings: AwsSettings = emulator): Promise<unknown> {
  const c = awsClients(settings);
  try {
    return await awsCall({ action: 's3:ListBucket', resource: 's3://claims-errors-test/', bucket: 'claims-errors-test', ...(settings.endpoints?.s3 ? { endpoint: settings.endpoints.s3 } : {}) }, () =>
      c.s3.send(new HeadBucketCommand({ Bucket: 'claims-errors-test' })),
    );
  } finally {
    c.destroy();
  }
}

describe('credentials come from the default provider chain', () => {
  it('uses a named profile of the shared credentials file through AWS_PROFILE', async () => {
    isolateAwsEnvironment();
    const file = join(tmp.dir, 'credentials');
    await writeFile(file, '[claims-dev]\naws_access_key_id = AKIAEXAMPLEPROFILE\naws_secret_access_key = secret\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    process.env.AWS_PROFILE = 'claims-dev';
    await expect(headBucket()).resolves.toBeDefined();
  });

  it('says no credentials were found, where it looked, and what to do', async () => {
    isolateAwsEnvironment();
    const err = await headBucket().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCredentialsMissingError);
    const e = err as AwsCredentialsMissingError;
    expect(e.message).toContain('s3://claims-errors-test/');
    expect(e.hint).toMatch(/aws sso login/);
    expect(e.hint).toMatch(/never put keys in profiles\.yaml/);
    expect(e.retryable).toBe(false);

    process.env.AWS_PROFILE = 'ghost';
    expect(((await headBucket().catch((x: unknown) => x)) as Error).message).toContain('AWS_PROFILE=ghost');
  });

  it('says an SSO session has expired and how to refresh it', async () => {
    isolateAwsEnvironment();
    const home = join(tmp.dir, 'home');
    const startUrl = 'https://claims-example.awsapps.com/start';
    await mkdir(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    await writeFile(join(home, 'config'), `[profile claims-sso]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = ClaimsDev\n`);
    const token = { accessToken: 'expired-token', expiresAt: '2020-01-01T00:00:00Z', region: 'us-east-1', startUrl };
    await writeFile(join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`), JSON.stringify(token));
    process.env.HOME = home;
    process.env.AWS_CONFIG_FILE = join(home, 'config');
    process.env.AWS_PROFILE = 'claims-sso';
    const err = await headBucket().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCredentialsExpiredError);
    expect((err as Error).message).toMatch(/SSO session .* has expired/);
    expect((err as AwsCredentialsExpiredError).hint).toMatch(/aws sso login --profile/);
  });
});

describe('failures of the call itself', () => {
  it('says when nothing answers at an endpoint override, and that it is worth retrying', async () => {
    await emulatorAwsForTests(); // dummy credentials
    const err = await headBucket({ region: 'us-east-1', endpoints: { s3: 'http://127.0.0.1:9' }, maxAttempts: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsEndpointUnreachableError);
    expect((err as AwsEndpointUnreachableError).message).toContain('ECONNREFUSED');
    expect((err as AwsEndpointUnreachableError).hint).toMatch(/claims emulator start/);
    expect((err as AwsEndpointUnreachableError).retryable).toBe(true);
  });

  it('classifies service answers the emulator cannot give', () => {
    // the SDK's retry strategy marks what it took for throttling with $retryable
    const s3 = (name: string, status: number, extra: object = {}) =>
      Object.assign(new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} message` }), extra);
    const glue = (name: string, status: number) => new GlueServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} message` });

    const denied = toAwsError(s3('AccessDenied', 403), ctx) as AwsAccessDeniedError;
    expect(denied).toBeInstanceOf(AwsAccessDeniedError);
    expect(denied.message).toBe('Access denied: s3:ListBucket on s3://claims-lake/dev/ (AccessDenied: AccessDenied message).');
    expect(denied.hint).toContain('Grant s3:ListBucket on s3://claims-lake/dev/');
    expect(toAwsError(glue('AccessDeniedException', 400), { action: 'glue:StartJobRun', resource: 'Glue job j' })).toBeInstanceOf(AwsAccessDeniedError);

    for (const t of [s3('SlowDown', 503), glue('ThrottlingException', 400), s3('Whatever', 400, { $retryable: { throttling: true } })]) {
      const e = toAwsError(t, ctx) as AwsThrottledError;
      expect(e).toBeInstanceOf(AwsThrottledError);
      expect(e.retryable).toBe(true);
    }
    expect(toAwsError(s3('ExpiredToken', 400), ctx)).toBeInstanceOf(AwsCredentialsExpiredError);
    expect(toAwsError(s3('InvalidAccessKeyId', 403), ctx)).toBeInstanceOf(AwsCredentialsInvalidError);

    const internal = toAwsError(s3('InternalError', 500), ctx) as AwsServiceError;
    expect(internal).toBeInstanceOf(AwsServiceError);
    expect(internal.retryable).toBe(true);
    const redirect = toAwsError(s3('PermanentRedirect', 301), ctx) as AwsServiceError;
    expect(redirect.retryable).toBe(false);
    expect(redirect.hint).toMatch(/region/);
    // not the SDK's: left alone
    const plain = new Error('a bug of ours');
    expect(toAwsError(plain, ctx)).toBe(plain);
  });

  it('refuses settings it cannot build clients from, naming the key', () => {
    expect(() => awsClients({ region: 'Frankfurt' })).toThrow(new AwsSettingsError('region', '"Frankfurt" is not an AWS region name (e.g. us-east-1, eu-west-2).'));
    expect(() => awsClients({ region: 'eu-central-1', endpoints: { s3: 'ftp://x' } })).toThrow(/endpoints\.s3: "ftp:\/\/x" must be an http/);
    expect(() => awsClients({ region: 'eu-central-1', endpoints: { glue: 'http://key:secret@127.0.0.1:1' } })).toThrow(/endpoints\.glue: must not carry credentials/);
  });
});
